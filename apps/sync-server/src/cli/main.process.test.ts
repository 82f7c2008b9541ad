/**
 * The `weft-server` process: configuration errors, SIGTERM, and `kill -9` durability. Runs
 * the built CLI (`dist/cli/main.js`; `npm test` builds first).
 */
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  CLI_PATH,
  Cleanup,
  connectClient,
  converged,
  covers,
  nextSync,
  spawnServer,
  synced,
  tempDir,
  until,
} from '../test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('weft-server command line', () => {
  it.each([
    [['--port', 'abc'], /--port must be an integer/],
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--idle-timeout', 'soon'], /--idle-timeout must be a duration/],
    [['--max-frame-bytes', '2MiB', '--max-buffered-bytes', '1MiB'], /at least --max-frame-bytes/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['--storage', 'postgres'], /--storage must be one of leveldb, memory/],
  ])('rejects %j with one line and exit code 2', (args, message) => {
    const result = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.stderr.trim().split('\n')).toHaveLength(2)
  })

  it('rejects a bad environment value naming the variable', () => {
    const result = spawnSync(process.execPath, [CLI_PATH], {
      encoding: 'utf8',
      env: { ...process.env, WEFT_PORT: 'eighty' },
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/^weft-server: WEFT_PORT must be an integer/)
  })

  it('prints every option with its default for --help', () => {
    const result = spawnSync(process.execPath, [CLI_PATH, '--help'], { encoding: 'utf8' })
    expect(result.status).toBe(0)
    for (const flag of ['--host', '--port', '--data-dir', '--fsync', '--idle-timeout']) {
      expect(result.stdout).toContain(flag)
    }
    expect(result.stdout).toMatch(/env WEFT_PORT, default 1234/)
    expect(result.stdout).toMatch(/env WEFT_DATA_DIR, default \.\/data/)
  })
})

describe('weft-server process', () => {
  it('stores updates received just before SIGTERM and exits 0', async () => {
    const dataDir = await tempDir(cleanup)
    const first = await spawnServer(cleanup, ['--data-dir', dataDir])
    const writer = connectClient(cleanup, first.wsUrl, 'term')
    await synced(writer)
    const text = writer.doc.getText('t')
    // Written to the socket synchronously, then the signal: the server has not read them yet.
    for (let i = 0; i < 200; i++) text.insert(text.length, `${i % 10}`)
    first.child.kill('SIGTERM')
    expect(await first.exited).toEqual({ code: 0, signal: null })
    const expected = Y.encodeStateAsUpdate(writer.doc)
    writer.destroy()

    const second = await spawnServer(cleanup, ['--data-dir', dataDir])
    const reader = connectClient(cleanup, second.wsUrl, 'term')
    await synced(reader)
    expect(reader.doc.getText('t').length).toBe(200)
    expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVectorFromUpdate(expected))
  })

  it('after kill -9, keeps every update another client had received (5 random kill points)', async () => {
    const dataDir = await tempDir(cleanup)
    let server = await spawnServer(cleanup, ['--data-dir', dataDir])
    const port = new URL(server.wsUrl).port
    const writer = connectClient(cleanup, server.wsUrl, 'crash')
    const observer = connectClient(cleanup, server.wsUrl, 'crash')
    const seen: string[] = []
    let reconnected: Promise<unknown> = Promise.all([synced(writer), synced(observer)])
    for (let round = 0; round < 5; round++) {
      await reconnected
      await converged([writer.doc, observer.doc])
      const killAfter = 5 + Math.floor(Math.random() * 150)
      const text = writer.doc.getText('t')
      const type = (): void => {
        // Several updates in flight at any time, so the kill lands between some of them.
        for (let i = 0; i < 3; i++) text.insert(text.length, String.fromCharCode(97 + round))
      }
      let observed = 0
      const killed = new Promise<void>((resolve) => {
        const onUpdate = (): void => {
          observed++
          if (observed === killAfter) {
            server.child.kill('SIGKILL')
            reconnected = Promise.all([nextSync(writer), nextSync(observer)])
            observer.doc.off('update', onUpdate)
            resolve()
          } else {
            type()
          }
        }
        observer.doc.on('update', onUpdate)
      })
      type()
      await killed
      await server.exited
      // Everything the observer received before the kill.
      const received = new Y.Doc()
      Y.applyUpdate(received, Y.encodeStateAsUpdate(observer.doc))
      seen.push(`round ${round}: killed after ${killAfter} relayed updates`)

      server = await spawnServer(cleanup, ['--data-dir', dataDir, '--port', port])
      const fresh = connectClient(cleanup, server.wsUrl, 'crash')
      await synced(fresh)
      expect(covers(fresh.doc, received), `round ${round}`).toBe(true)
      fresh.destroy()
      received.destroy()
    }
    // Both clients reconnect by themselves and converge, with nothing lost.
    await reconnected
    await converged([writer.doc, observer.doc])
    await until(() => observer.doc.getText('t').length === writer.doc.getText('t').length, {
      docs: [observer.doc],
    })
    console.info(seen.join('\n'))
  })
})
