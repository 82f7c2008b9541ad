/**
 * The `weft-server` process: configuration errors, SIGTERM, and `kill -9` durability. Runs
 * the built CLI (`dist/cli/main.js`; `npm test` builds first).
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { eventually } from '../test-support/eventually.js'
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
import { sampleValue, scrape } from '../test-support/prometheus-text.js'
import { WebhookReceiver } from '../test-support/webhook-receiver.js'

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

/** Collects a child's stdout lines from now on; `waitFor` resolves with the first match. */
function lineCollector(stream: NodeJS.ReadableStream) {
  const lines: string[] = []
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = []
  let buffered = ''
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const waiter of waiters.splice(0)) {
        if (waiter.test(line)) waiter.resolve(line)
        else waiters.push(waiter)
      }
    }
  })
  return {
    lines,
    waitFor(test: (line: string) => boolean): Promise<string> {
      const seen = lines.find(test)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve) => waiters.push({ test, resolve }))
    },
  }
}

describe('weft-server logs', () => {
  it('writes JSON lines when stdout is not a terminal: one per connection opened and closed', async () => {
    const server = await spawnServer(cleanup, ['--storage', 'memory'])
    const out = lineCollector(server.child.stdout as NodeJS.ReadableStream)
    const client = connectClient(cleanup, server.wsUrl, 'logged/doc')
    await synced(client)
    client.doc.getText('t').insert(0, 'hello')
    const opened = JSON.parse(
      await out.waitFor((line) => line.includes('"connection opened"')),
    ) as Record<string, unknown>
    client.destroy()
    const closed = JSON.parse(
      await out.waitFor((line) => line.includes('"connection closed"')),
    ) as Record<string, unknown>
    expect(opened).toMatchObject({ level: 30, room: 'logged/doc', user: null, access: 'write' })
    expect(opened.conn).toMatch(/^c\d+$/)
    expect(closed).toMatchObject({
      level: 30,
      conn: opened.conn,
      room: 'logged/doc',
      user: null,
      access: 'write',
    })
    expect(typeof closed.code).toBe('number')
    expect(closed.durationMs).toBeGreaterThanOrEqual(0)
    expect(closed.bytesIn).toBeGreaterThan(5)
    expect(closed.bytesOut).toBeGreaterThan(0)
    expect(typeof closed.time).toBe('number')
    // Every line is one JSON object; exactly one open and one close line for the socket.
    for (const line of out.lines) expect(() => JSON.parse(line)).not.toThrow()
    const about = (msg: string) =>
      out.lines.filter((l) => l.includes(`"${msg}"`) && l.includes(`"conn":"${opened.conn}"`))
    expect(about('connection opened')).toHaveLength(1)
    expect(about('connection closed')).toHaveLength(1)
    // The CLI exports runtime metrics, event-loop lag among them.
    const metrics = await scrape(server.httpUrl)
    expect(metrics.families.get('weft_nodejs_eventloop_lag_seconds')?.type).toBe('gauge')
    expect(metrics.families.get('weft_nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge')
  })

  it('writes readable text with --log-format pretty, and by default in a terminal', async () => {
    const forced = spawn(
      process.execPath,
      [CLI_PATH, '--port', '0', '--storage', 'memory', '--log-format', 'pretty'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    cleanup.add(() => forced.kill('SIGKILL'))
    const forcedOut = lineCollector(forced.stdout)
    const forcedLine = await forcedOut.waitFor((line) => line.includes('weft-server listening'))
    expect(forcedLine).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: weft-server listening/)
    expect(() => JSON.parse(forcedLine)).toThrow()
    forced.kill('SIGTERM')
    expect((await once(forced, 'exit'))[0]).toBe(0)

    // `script` runs the server on a pseudo-terminal: auto-detected pretty output, coloured.
    const inTerminal = spawn(
      'script',
      [
        '-q',
        '-e',
        '-c',
        `"${process.execPath}" "${CLI_PATH}" --port 0 --storage memory`,
        '/dev/null',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    cleanup.add(() => inTerminal.kill('SIGKILL'))
    const terminalOut = lineCollector(inTerminal.stdout)
    const terminalLine = await terminalOut.waitFor((line) => line.includes('weft-server listening'))
    expect(terminalLine).toContain('\u001b[') // ANSI colour
    expect(terminalLine).not.toContain('{"level"')
    inTerminal.kill('SIGTERM')
    await once(inTerminal, 'exit')
  })
})

describe('weft-server webhooks', () => {
  it('keeps queued webhook events through kill -9 and delivers them after the restart', async () => {
    const secret = 'process-webhook-secret-0123'
    const receiver = await WebhookReceiver.start(cleanup, secret)
    receiver.mode = 'fail'
    const dataDir = await tempDir(cleanup)
    const args = [
      '--data-dir',
      dataDir,
      '--webhook-url',
      receiver.url,
      '--webhook-secret',
      secret,
      '--webhook-debounce',
      '50ms',
      '--webhook-retry-min',
      '20ms',
      '--webhook-retry-max',
      '200ms',
    ]
    const first = await spawnServer(cleanup, args)
    const client = connectClient(cleanup, first.wsUrl, 'hooked')
    await synced(client)
    client.doc.getText('t').insert(0, 'queued before the crash')
    // room.opened, user.joined and document.changed are queued (the receiver answers 500).
    await eventually(
      async () => sampleValue(await scrape(first.httpUrl), 'weft_webhook_queue_events') >= 3,
      'three events queued',
    )
    await receiver.waitFor(() => receiver.requests.length >= 1, 'a refused attempt')
    first.child.kill('SIGKILL')
    await first.exited
    client.destroy()
    const refusedIds = new Set(receiver.requests.map((r) => r.headers['weft-event-id']))

    receiver.mode = 'ok'
    await spawnServer(cleanup, args)
    const wanted = ['room.opened', 'user.joined', 'document.changed']
    await receiver.waitFor(
      () => wanted.every((type) => receiver.delivered.some((r) => r.event.type === type)),
      'the queued events after the restart',
    )
    expect(receiver.delivered.every((r) => r.signatureValid)).toBe(true)
    const deliveredIds = new Set(receiver.delivered.map((r) => r.headers['weft-event-id']))
    for (const id of refusedIds) expect(deliveredIds.has(id)).toBe(true)
    expect(
      receiver.delivered.find((r) => r.event.type === 'document.changed')?.event,
    ).toMatchObject({
      document: 'hooked',
    })
  })
})
