/** Integration: durability, load-before-sync, compaction and idle unload on a real LevelDB. */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openLevelDbStore } from './storage/leveldb-store.js'
import {
  Cleanup,
  connectClient,
  converged,
  startServer,
  synced,
  tempDir,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('persistence', () => {
  it('keeps every document across a graceful restart', async () => {
    const dataDir = await tempDir(cleanup)
    const first = await startServer(cleanup, { dataDir })
    const writer = connectClient(cleanup, first.wsUrl, 'kept')
    const other = connectClient(cleanup, first.wsUrl, 'other')
    await Promise.all([synced(writer), synced(other)])
    writer.doc.getText('t').insert(0, 'survives')
    other.doc.getMap('m').set('k', 42)
    const expected = Y.encodeStateAsUpdate(writer.doc)
    // Wait until the server has the update (an observer on another client received it).
    const watcher = connectClient(cleanup, first.wsUrl, 'kept')
    await converged([writer.doc, watcher.doc])
    writer.destroy()
    other.destroy()
    watcher.destroy()
    await first.server.close()

    const second = await startServer(cleanup, { dataDir })
    const reader = connectClient(cleanup, second.wsUrl, 'kept')
    const otherReader = connectClient(cleanup, second.wsUrl, 'other')
    await Promise.all([synced(reader), synced(otherReader)])
    expect(reader.doc.getText('t').toString()).toBe('survives')
    expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVectorFromUpdate(expected))
    expect(otherReader.doc.getMap('m').get('k')).toBe(42)
  })

  it('never shows a joining client an empty or partial document as synced', async () => {
    const dataDir = await tempDir(cleanup)
    const first = await startServer(cleanup, { dataDir })
    const writer = connectClient(cleanup, first.wsUrl, 'big')
    await synced(writer)
    const text = writer.doc.getText('t')
    for (let i = 0; i < 300; i++) text.insert(text.length, `line ${i}\n`)
    const expected = text.toString()
    const watcher = connectClient(cleanup, first.wsUrl, 'big')
    await converged([writer.doc, watcher.doc])
    writer.destroy()
    watcher.destroy()
    await first.server.close()

    const second = await startServer(cleanup, { dataDir })
    const clients = Array.from({ length: 5 }, () => {
      const client = connectClient(cleanup, second.wsUrl, 'big')
      return client
    })
    const seenAtSync = await Promise.all(
      clients.map(
        (client) =>
          new Promise<string>((resolve) => {
            client.provider.once('sync', () => resolve(client.doc.getText('t').toString()))
          }),
      ),
    )
    expect(seenAtSync).toEqual(Array.from({ length: 5 }, () => expected))
    // Five concurrent joins, one load.
    expect((await second.server.metrics.roomLoads.get()).values[0]?.value).toBe(1)
  })

  it('compacts 10,000 small updates into a bounded number of records', async () => {
    const dataDir = await tempDir(cleanup)
    const store = await openLevelDbStore({ dir: dataDir, fsync: false })
    cleanup.add(() => store.close())
    const compactAfterUpdates = 200
    // The writer sends 500 frames at a time: far above what a person types, so raise the rate limit.
    const { wsUrl, server } = await startServer(
      cleanup,
      { compactAfterUpdates, maxMessagesPerSecond: 100_000, messageBurst: 100_000 },
      { store },
    )
    const writer = connectClient(cleanup, wsUrl, 'long-history')
    const watcher = connectClient(cleanup, wsUrl, 'long-history')
    await Promise.all([synced(writer), synced(watcher)])
    const text = writer.doc.getText('t')
    let maxRecords = 0
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 500; i++) text.insert(text.length, String(i % 10))
      await converged([writer.doc, watcher.doc])
      const stored = await store.load('long-history')
      maxRecords = Math.max(maxRecords, stored.updates.length)
    }
    expect(text.length).toBe(10_000)
    // A snapshot plus fewer than `compactAfterUpdates` appended updates, plus what was in
    // flight while a compaction ran.
    expect(maxRecords).toBeLessThanOrEqual(compactAfterUpdates + 2)
    const compactions = (await server.metrics.compactions.get()).values[0]?.value ?? 0
    expect(compactions).toBeGreaterThanOrEqual(10_000 / 500 / 2)

    // A fresh load from what is stored gives an identical document.
    const copy = new Y.Doc()
    for (const update of (await store.load('long-history')).updates) Y.applyUpdate(copy, update)
    expect(copy.getText('t').toString()).toBe(text.toString())
    expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(writer.doc))
    copy.destroy()
  })

  it('unloads an idle room after storing it, and reloads it with identical content', async () => {
    const events: string[] = []
    const unloaded = (name: string) =>
      new Promise<void>((resolve) => {
        waiting.push({ name, resolve })
      })
    const waiting: { name: string; resolve: () => void }[] = []
    const { wsUrl, server } = await startServer(
      cleanup,
      { idleTimeoutMs: 200 },
      {
        onRoomLoaded: (name) => events.push(`loaded ${name}`),
        onRoomUnloaded: (name) => {
          events.push(`unloaded ${name}`)
          for (const w of waiting.splice(0)) if (w.name === name) w.resolve()
        },
      },
    )
    const writer = connectClient(cleanup, wsUrl, 'idle')
    await synced(writer)
    writer.doc.getText('t').insert(0, 'stored before unload')
    const map = writer.doc.getMap('m')
    map.set('n', 1)
    const expected = Y.encodeStateVector(writer.doc)
    const watcher = connectClient(cleanup, wsUrl, 'idle')
    await converged([writer.doc, watcher.doc])
    const gone = unloaded('idle')
    writer.destroy()
    watcher.destroy()
    await gone
    expect(server.roomCount).toBe(0)

    const reader = connectClient(cleanup, wsUrl, 'idle')
    await synced(reader)
    expect(reader.doc.getText('t').toString()).toBe('stored before unload')
    expect(Y.encodeStateVector(reader.doc)).toEqual(expected)
    expect(events).toEqual(['loaded idle', 'unloaded idle', 'loaded idle'])
  })

  it('keeps a room loaded while a client is connected', async () => {
    const unloadedRooms: string[] = []
    let leftUnloaded: () => void = () => undefined
    const leftGone = new Promise<void>((resolve) => {
      leftUnloaded = resolve
    })
    const { wsUrl, server } = await startServer(
      cleanup,
      { idleTimeoutMs: 100 },
      {
        onRoomUnloaded: (name) => {
          unloadedRooms.push(name)
          if (name === 'left') leftUnloaded()
        },
      },
    )
    const busy = connectClient(cleanup, wsUrl, 'busy')
    await synced(busy)
    const visitor = connectClient(cleanup, wsUrl, 'left')
    await synced(visitor)
    visitor.destroy()
    // 'left' was released after 'busy' was joined: had 'busy' been put on the idle timer
    // too, it would have been unloaded first.
    await leftGone
    expect(unloadedRooms).toEqual(['left'])
    expect(server.roomCount).toBe(1)
    busy.doc.getText('t').insert(0, 'still here')
    const check = connectClient(cleanup, wsUrl, 'busy')
    await synced(check)
    await converged([busy.doc, check.doc])
  })
})
