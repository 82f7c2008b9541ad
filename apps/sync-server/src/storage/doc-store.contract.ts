/**
 * The contract every `DocStore` must pass. Each implementation's test file runs it with a
 * factory; nothing here knows which store it is testing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocStore } from './doc-store.js'

/** Creates a fresh, empty store; `reopen` (when durable) opens a new instance on the same data. */
export interface StoreHarness {
  create(): Promise<{ store: DocStore; reopen?: () => Promise<DocStore> }>
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

export function describeDocStoreContract(label: string, harness: StoreHarness): void {
  describe(`DocStore contract: ${label}`, () => {
    const open: DocStore[] = []
    const create = async () => {
      const made = await harness.create()
      open.push(made.store)
      return made
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => (s.isOpen ? s.close() : undefined)))
    })

    it('loads an unknown document as empty', async () => {
      const { store } = await create()
      expect(await store.load('nothing-here')).toEqual({
        updates: [],
        snapshotBytes: 0,
        appendedCount: 0,
        appendedBytes: 0,
        clientOwners: new Map(),
      })
    })

    it('returns appended updates in append order with counts', async () => {
      const { store } = await create()
      await store.append('a', [bytes(1), bytes(2, 2)])
      await store.append('a', [bytes(3, 3, 3)])
      const loaded = await store.load('a')
      expect(loaded.updates.map((u) => [...u])).toEqual([[1], [2, 2], [3, 3, 3]])
      expect(loaded).toMatchObject({ snapshotBytes: 0, appendedCount: 3, appendedBytes: 6 })
    })

    it('keeps the order of operations on one document issued without waiting', async () => {
      const { store } = await create()
      const done = [
        store.append('a', [bytes(1)]),
        store.replace('a', bytes(9, 9)),
        store.append('a', [bytes(2)]),
        store.append('b', [bytes(7)]),
      ]
      await Promise.all(done)
      const a = await store.load('a')
      expect(a.updates.map((u) => [...u])).toEqual([[9, 9], [2]])
      expect(a).toMatchObject({ snapshotBytes: 2, appendedCount: 1, appendedBytes: 1 })
      expect((await store.load('b')).updates.map((u) => [...u])).toEqual([[7]])
    })

    it('writes appends of many documents issued in one turn', async () => {
      const { store } = await create()
      const names = Array.from({ length: 200 }, (_, i) => `doc-${i}`)
      await Promise.all(names.map((name, i) => store.append(name, [bytes(i % 256)])))
      for (const [i, name] of names.entries()) {
        expect([...((await store.load(name)).updates[0] ?? [])]).toEqual([i % 256])
      }
    })

    it('does not keep a reference to the caller’s buffer', async () => {
      const { store } = await create()
      const frame = bytes(1, 2, 3)
      await store.append('a', [frame.subarray(1)])
      frame.fill(0)
      expect([...((await store.load('a')).updates[0] ?? [])]).toEqual([2, 3])
    })

    it('replaces everything of one document with a snapshot, leaving others alone', async () => {
      const { store } = await create()
      await store.append('a', [bytes(1), bytes(2)])
      await store.append('ab', [bytes(5)])
      await store.replace('a', bytes(8, 8, 8))
      expect((await store.load('a')).updates.map((u) => [...u])).toEqual([[8, 8, 8]])
      expect((await store.load('ab')).updates.map((u) => [...u])).toEqual([[5]])
    })

    it('records client-id owners with appends, keeps them through compaction, drops them on delete', async () => {
      const { store, reopen } = await create()
      await store.append('a', [bytes(1)], new Map([[7, 'ada']]))
      await store.append('a', [], new Map([[2 ** 40, 'bob ✓']]))
      await store.append('b', [bytes(2)], new Map([[7, 'carol']]))
      await store.replace('a', bytes(9))
      const loaded = await store.load('a')
      expect(loaded.updates.map((u) => [...u])).toEqual([[9]])
      expect(loaded.clientOwners).toEqual(
        new Map([
          [7, 'ada'],
          [2 ** 40, 'bob ✓'],
        ]),
      )
      expect((await store.load('b')).clientOwners).toEqual(new Map([[7, 'carol']]))
      if (reopen !== undefined) {
        await store.close()
        const again = await reopen()
        open.push(again)
        expect((await again.load('a')).clientOwners.get(7)).toBe('ada')
        await again.delete('a')
        expect((await again.load('a')).clientOwners.size).toBe(0)
      } else {
        await store.delete('a')
        expect((await store.load('a')).clientOwners.size).toBe(0)
      }
    })

    it('deletes one document', async () => {
      const { store } = await create()
      await store.append('a', [bytes(1)])
      await store.replace('b', bytes(2))
      await store.delete('a')
      await store.delete('never-existed')
      expect((await store.load('a')).updates).toEqual([])
      expect((await store.list()).docs.map((d) => d.name)).toEqual(['b'])
    })

    it('lists documents in name order, page by page, with sizes', async () => {
      const { store } = await create()
      for (const name of ['c', 'a', 'b/x', 'b', 'é']) {
        await store.append(name, [bytes(1, 2), bytes(3)])
      }
      await store.replace('b', bytes(1, 2, 3, 4, 5))
      const first = await store.list({ limit: 2 })
      expect(first.docs).toEqual([
        { name: 'a', bytes: 3 },
        { name: 'b', bytes: 5 },
      ])
      expect(first.next).toBe('b')
      const second = await store.list({ limit: 2, after: first.next as string })
      expect(second.docs.map((d) => d.name)).toEqual(['b/x', 'c'])
      const third = await store.list({ limit: 2, after: second.next as string })
      expect(third).toEqual({ docs: [{ name: 'é', bytes: 3 }] })
    })

    it('treats hostile names as opaque keys', async () => {
      const { store } = await create()
      const names = ['../../etc/passwd', '/', 'a\\b', 'x'.repeat(1000), '😀 notes', '%00', 'CON']
      for (const [i, name] of names.entries()) await store.append(name, [bytes(i)])
      for (const [i, name] of names.entries()) {
        expect((await store.load(name)).updates.map((u) => [...u])).toEqual([[i]])
      }
    })

    it('round-trips real Yjs updates', async () => {
      const { store } = await create()
      const source = new Y.Doc()
      const written: Promise<void>[] = []
      source.on('update', (update: Uint8Array) => written.push(store.append('doc', [update])))
      for (let i = 0; i < 50; i++) source.getText('t').insert(i, String(i % 10))
      await Promise.all(written)
      const copy = new Y.Doc()
      for (const update of (await store.load('doc')).updates) Y.applyUpdate(copy, update)
      expect(copy.getText('t').toString()).toBe(source.getText('t').toString())
      source.destroy()
      copy.destroy()
    })

    it('rejects operations once closed', async () => {
      const { store } = await create()
      await store.append('a', [bytes(1)])
      await store.close()
      expect(store.isOpen).toBe(false)
      await expect(async () => store.load('a')).rejects.toMatchObject({ code: 'STORE_CLOSED' })
      await expect(async () => store.append('a', [bytes(1)])).rejects.toMatchObject({
        code: 'STORE_CLOSED',
      })
    })

    it('finishes writes issued before close', async () => {
      const { store, reopen } = await create()
      const pending = store.append('a', [bytes(4)])
      await store.close()
      await pending
      if (reopen === undefined) return
      const again = await reopen()
      open.push(again)
      expect((await again.load('a')).updates.map((u) => [...u])).toEqual([[4]])
    })

    it('keeps data across reopen, and never reuses an update key', async () => {
      const { store, reopen } = await create()
      if (reopen === undefined) return
      await store.append('a', [bytes(1)])
      await store.close()
      const second = await reopen()
      open.push(second)
      await second.append('a', [bytes(2)])
      await second.close()
      const third = await reopen()
      open.push(third)
      expect((await third.load('a')).updates.map((u) => [...u])).toEqual([[1], [2]])
    })
  })
}
