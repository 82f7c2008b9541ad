/**
 * Integration: a storage write that fails keeps the update in memory, is retried, logged and
 * counted, and nothing is relayed before it is durable. The failures are injected at the
 * storage seam, around the real in-memory store.
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { DocStore } from './storage/doc-store.js'
import { createMemoryStore } from './storage/memory-store.js'
import { Cleanup, connectClient, converged, startServer, synced } from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** The real memory store, with the next `failures` appends failing. */
function flakyStore(failures: number): DocStore & { events: string[] } {
  const inner = createMemoryStore()
  const events: string[] = []
  let remaining = failures
  return {
    events,
    get isOpen() {
      return inner.isOpen
    },
    load: (name) => inner.load(name),
    async append(name, updates) {
      if (remaining > 0) {
        remaining--
        events.push('append failed')
        throw new Error('disk on fire')
      }
      await inner.append(name, updates)
      events.push('append stored')
    },
    replace: (name, snapshot) => inner.replace(name, snapshot),
    delete: (name, options) => inner.delete(name, options),
    list: (options) => inner.list(options),
    listTombstones: (options) => inner.listTombstones(options),
    saveVersion: (name, version) => inner.saveVersion(name, version),
    listVersions: (name) => inner.listVersions(name),
    loadVersion: (name, id) => inner.loadVersion(name, id),
    deleteVersions: (name, ids) => inner.deleteVersions(name, ids),
    close: () => inner.close(),
  }
}

describe('storage failures', () => {
  it('retries a failed write, relays only once it is stored, and logs and counts each failure', async () => {
    const store = flakyStore(3)
    const logLines: string[] = []
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString())
          done()
        },
      }),
    )
    const { wsUrl, server } = await startServer(cleanup, { storage: 'memory' }, { store, logger })
    const writer = connectClient(cleanup, wsUrl, 'flaky')
    const reader = connectClient(cleanup, wsUrl, 'flaky')
    await Promise.all([synced(writer), synced(reader)])
    reader.doc.on('update', () => store.events.push('relayed'))

    writer.doc.getText('t').insert(0, 'precious')
    await converged([writer.doc, reader.doc])
    expect(reader.doc.getText('t').toString()).toBe('precious')
    expect(store.events).toEqual([
      'append failed',
      'append failed',
      'append failed',
      'append stored',
      'relayed',
    ])
    expect((await server.metrics.persistFailures.get()).values[0]?.value).toBe(3)
    expect(logLines).toHaveLength(3)
    expect(JSON.parse(logLines[0] as string)).toMatchObject({
      room: 'flaky',
      msg: 'writing updates failed; keeping them in memory and retrying',
      err: { message: 'disk on fire' },
    })
    expect((await store.load('flaky')).updates.length).toBeGreaterThan(0)
  })
})
