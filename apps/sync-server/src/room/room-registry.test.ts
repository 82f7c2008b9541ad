/**
 * The registry's document deletion, with the real memory store behind a wrapper that holds
 * back the *answer* to an append (its effect happens at once, in call order, as the store
 * contract requires): a write in flight while a document is deleted.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { silentLogger } from '../logger.js'
import { createMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { DocStore } from '../storage/doc-store.js'
import { createMemoryStore } from '../storage/memory-store.js'
import type { Peer } from './room.js'
import { RoomClosedError } from './room-persistence.js'
import { RoomRegistry } from './room-registry.js'
import { systemClock } from './room-versions.js'

/** The memory store, with appends answered only when `release()` is called. */
function slowAnswers(): { store: DocStore; release(): void; calls: string[] } {
  const inner = createMemoryStore()
  const calls: string[] = []
  let gate: (() => void) | null = null
  let opened = new Promise<void>((resolve) => {
    gate = resolve
  })
  const store: DocStore = {
    get isOpen() {
      return inner.isOpen
    },
    load: (name) => inner.load(name),
    async append(name, updates, owners) {
      calls.push('append')
      await inner.append(name, updates, owners)
      await opened
    },
    async replace(name, snapshot) {
      calls.push('replace')
      await inner.replace(name, snapshot)
    },
    async delete(name, options) {
      calls.push('delete')
      await inner.delete(name, options)
    },
    list: (options) => inner.list(options),
    listTombstones: (options) => inner.listTombstones(options),
    async saveVersion(name, version) {
      calls.push('saveVersion')
      return inner.saveVersion(name, version)
    },
    listVersions: (name) => inner.listVersions(name),
    loadVersion: (name, id) => inner.loadVersion(name, id),
    deleteVersions: (name, ids) => inner.deleteVersions(name, ids),
    close: () => inner.close(),
  }
  return {
    store,
    calls,
    release() {
      gate?.()
      opened = Promise.resolve()
    },
  }
}

function registryOn(store: DocStore): RoomRegistry {
  return new RoomRegistry(
    {
      idleTimeoutMs: 60_000,
      maxRooms: 10,
      room: {
        // Compact after every write: a compaction after the deletion would store it again.
        compactAfterUpdates: 1,
        compactAfterBytes: 1024,
        retryDelayMs: 10,
        maxRetryDelayMs: 100,
        maxAwarenessStateBytes: 1024,
        presenceIntervalMs: 0,
        maxPendingBytes: 1024 * 1024,
        maxDocBytes: 1024 * 1024,
        maxNestingDepth: 100,
        maxPendingStructBytes: 1024 * 1024,
        maxPendingUpdatesPerPeer: 10,
        tombstoneMs: 60_000,
        versionIntervalMs: 1,
        keepAuto: 10,
        maxAutoAgeMs: 0,
        maxLabelled: 10,
      },
    },
    {
      store,
      logger: silentLogger(),
      metrics: createMetrics({ withProcessMetrics: false }),
      clock: systemClock,
      onRoomLoaded: () => undefined,
      onRoomUnloaded: () => undefined,
    },
  )
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const textUpdate = (text: string): Uint8Array => {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

describe('RoomRegistry.deleteDocument', () => {
  it('writes nothing for the document after its deletion, even with a write in flight', async () => {
    const { store, release, calls } = slowAnswers()
    const registry = registryOn(store)
    const hold = registry.acquire('doc')
    const room = await hold.ready
    const closes: number[] = []
    const peer: Peer = {
      id: 'p',
      grant: { user: null, displayName: null, access: 'write', expiresAt: null, issuedAt: null },
      send: () => undefined,
      close: (code) => closes.push(code),
    }
    room.join(peer)
    const change = room.change(() => textUpdate('in flight'), { id: 'test', user: null })
    // The write is issued on the next turn (its effect is stored; the answer is held back).
    for (let turn = 0; turn < 100 && !calls.includes('append'); turn++) await nextTurn()
    expect(calls).toEqual(['append'])

    const deletedAt = Date.now()
    const deletion = registry.deleteDocument('doc', deletedAt)
    // A join meanwhile waits for the deletion, then finds the document deleted.
    const late = registry.acquire('doc')
    await expect(change).rejects.toBeInstanceOf(RoomClosedError)
    release()
    await deletion
    expect(closes).toEqual([CloseCode.documentDeleted])
    const reloaded = await late.ready
    expect(reloaded).not.toBe(room)
    expect(reloaded.isEmpty).toBe(true)
    expect(reloaded.isDeleted).toBe(true)
    // The answer to the append has arrived: a compaction or version would be issued now.
    await nextTurn()
    expect(calls).toEqual(['append', 'delete'])
    expect(await store.load('doc')).toMatchObject({ updates: [], deletedAt })
    expect((await store.list()).docs).toEqual([])
    late.release()
    hold.release()
    await registry.closeAll()
  })
})
