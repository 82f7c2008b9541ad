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
        deletedAt: null,
        lastModified: null,
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

    it('keeps what is appended after each of many compactions, across reopen', async () => {
      const { store, reopen } = await create()
      for (let round = 1; round <= 5; round++) {
        await store.append('a', [bytes(round, 1), bytes(round, 2)])
        await store.append('other', [bytes(round)])
        await store.replace('a', bytes(round, 0))
      }
      await store.append('a', [bytes(9)])
      const expected = [[5, 0], [9]]
      const loaded = await store.load('a')
      expect(loaded.updates.map((u) => [...u])).toEqual(expected)
      expect(loaded).toMatchObject({ snapshotBytes: 2, appendedCount: 1, appendedBytes: 1 })
      expect((await store.list()).docs.map((d) => [d.name, d.bytes])).toEqual([
        ['a', 3],
        ['other', 5],
      ])
      if (reopen === undefined) return
      await store.close()
      const again = await reopen()
      open.push(again)
      expect((await again.load('a')).updates.map((u) => [...u])).toEqual(expected)
      await again.replace('a', bytes(7))
      expect((await again.load('a')).updates.map((u) => [...u])).toEqual([[7]])
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
      expect((await store.load('a')).deletedAt).toBeNull()
      expect((await store.list()).docs.map((d) => d.name)).toEqual(['b'])
    })

    it('lists documents in name order, page by page, with sizes', async () => {
      const { store } = await create()
      for (const name of ['c', 'a', 'b/x', 'b', 'é']) {
        await store.append(name, [bytes(1, 2), bytes(3)])
      }
      await store.replace('b', bytes(1, 2, 3, 4, 5))
      const first = await store.list({ limit: 2 })
      expect(first.docs.map(({ name, bytes }) => ({ name, bytes }))).toEqual([
        { name: 'a', bytes: 3 },
        { name: 'b', bytes: 5 },
      ])
      expect(first.next).toBe('b')
      const second = await store.list({ limit: 2, after: first.next as string })
      expect(second.docs.map((d) => d.name)).toEqual(['b/x', 'c'])
      const third = await store.list({ limit: 2, after: second.next as string })
      expect(third.next).toBeUndefined()
      expect(third.docs.map(({ name, bytes }) => ({ name, bytes }))).toEqual([
        { name: 'é', bytes: 3 },
      ])
    })

    it('records when updates were last appended, and not for compaction or owners', async () => {
      const { store, reopen } = await create()
      const before = Date.now()
      await store.append('a', [bytes(1)])
      const after = Date.now()
      const [listed] = (await store.list()).docs
      expect(listed?.lastModified).toBeGreaterThanOrEqual(before)
      expect(listed?.lastModified).toBeLessThanOrEqual(after)
      await store.replace('a', bytes(1))
      await store.append('a', [], new Map([[1, 'ada']]))
      expect((await store.list()).docs[0]?.lastModified).toBe(listed?.lastModified)
      // A document with owners but no content is not a stored document.
      await store.append('owners-only', [], new Map([[2, 'bob']]))
      expect((await store.list()).docs.map((d) => d.name)).toEqual(['a'])
      if (reopen === undefined) return
      await store.close()
      const again = await reopen()
      open.push(again)
      expect((await again.list()).docs[0]?.lastModified).toBe(listed?.lastModified)
    })

    it('loads the last-modified time, and records a given one instead of the clock', async () => {
      const { store, reopen } = await create()
      const before = Date.now()
      await store.append('now', [bytes(1)])
      expect((await store.load('now')).lastModified).toBeGreaterThanOrEqual(before)
      await store.append('moved', [bytes(1)], new Map([[7, 'ada']]), { lastModified: 1234 })
      expect((await store.load('moved')).lastModified).toBe(1234)
      expect((await store.list({ after: 'moved' })).docs.map((d) => d.lastModified)).toEqual([
        expect.any(Number),
      ])
      expect((await store.list({ limit: 1 })).docs[0]?.lastModified).toBe(1234)
      // Owners alone are not a change of the content.
      await store.append('moved', [], new Map([[8, 'bob']]), { lastModified: 99 })
      expect((await store.load('moved')).lastModified).toBe(1234)
      if (reopen === undefined) return
      await store.close()
      const again = await reopen()
      open.push(again)
      expect((await again.load('moved')).lastModified).toBe(1234)
    })

    it('lists tombstones in name order, page by page, with or without content', async () => {
      const { store, reopen } = await create()
      await store.delete('b', { tombstoneAt: 2 })
      await store.delete('a', { tombstoneAt: 1 })
      await store.delete('é', { tombstoneAt: 4 })
      await store.delete('c', { tombstoneAt: 3 })
      await store.append('c', [bytes(1)]) // content beside a tombstone
      await store.append('no-tombstone', [bytes(1)])
      const first = await store.listTombstones({ limit: 2 })
      expect(first).toEqual({
        tombstones: [
          { name: 'a', deletedAt: 1 },
          { name: 'b', deletedAt: 2 },
        ],
        next: 'b',
      })
      const second = await store.listTombstones({ after: 'b', limit: 2 })
      expect(second).toEqual({
        tombstones: [
          { name: 'c', deletedAt: 3 },
          { name: 'é', deletedAt: 4 },
        ],
      })
      await store.delete('b')
      expect((await store.listTombstones()).tombstones.map((t) => t.name)).toEqual(['a', 'c', 'é'])
      if (reopen === undefined) return
      await store.close()
      const again = await reopen()
      open.push(again)
      expect((await again.listTombstones({ after: 'a' })).tombstones).toEqual([
        { name: 'c', deletedAt: 3 },
        { name: 'é', deletedAt: 4 },
      ])
    })

    it('leaves a tombstone when asked, keeps it through appends, removes it with a plain delete', async () => {
      const { store, reopen } = await create()
      await store.append('gone', [bytes(1)], new Map([[1, 'ada']]))
      await store.saveVersion('gone', {
        createdAt: 1,
        label: null,
        kind: 'auto',
        content: bytes(1),
      })
      await store.delete('gone', { tombstoneAt: 1234 })
      expect(await store.load('gone')).toEqual({
        updates: [],
        snapshotBytes: 0,
        appendedCount: 0,
        appendedBytes: 0,
        clientOwners: new Map(),
        deletedAt: 1234,
        lastModified: null,
      })
      expect(await store.listVersions('gone')).toEqual([])
      expect((await store.list()).docs).toEqual([])
      let current = store
      if (reopen !== undefined) {
        await store.close()
        current = await reopen()
        open.push(current)
        expect((await current.load('gone')).deletedAt).toBe(1234)
      }
      await current.append('gone', [bytes(2)])
      expect((await current.load('gone')).deletedAt).toBe(1234)
      await current.delete('gone')
      expect((await current.load('gone')).deletedAt).toBeNull()
      expect((await current.load('other')).deletedAt).toBeNull()
    })

    it('saves versions with increasing ids, lists them oldest first, loads and deletes them', async () => {
      const { store } = await create()
      await store.append('doc', [bytes(1)])
      const one = await store.saveVersion('doc', {
        createdAt: 1000,
        label: null,
        kind: 'auto',
        content: bytes(1, 1),
      })
      const content = bytes(2, 2, 2)
      const two = await store.saveVersion('doc', {
        createdAt: 2000,
        label: 'Before the rewrite ✓',
        kind: 'manual',
        content,
      })
      content.fill(0)
      expect([one, two]).toEqual([
        { id: 1, createdAt: 1000, label: null, kind: 'auto', bytes: 2 },
        { id: 2, createdAt: 2000, label: 'Before the rewrite ✓', kind: 'manual', bytes: 3 },
      ])
      expect(await store.listVersions('doc')).toEqual([one, two])
      expect([...((await store.loadVersion('doc', 2)) ?? [])]).toEqual([2, 2, 2])
      expect(await store.loadVersion('doc', 3)).toBeNull()
      expect(await store.loadVersion('other', 1)).toBeNull()
      expect(await store.listVersions('other')).toEqual([])
      await store.deleteVersions('doc', [1, 99])
      expect((await store.listVersions('doc')).map((v) => v.id)).toEqual([2])
      expect(await store.loadVersion('doc', 1)).toBeNull()
      // Ids are never reused while the document exists.
      const three = await store.saveVersion('doc', {
        createdAt: 3000,
        label: null,
        kind: 'auto',
        content: bytes(3),
      })
      expect(three.id).toBe(3)
      // The document's content is unaffected, and versions do not count in its size.
      expect((await store.load('doc')).updates.map((u) => [...u])).toEqual([[1]])
      expect((await store.list()).docs.map(({ name, bytes }) => ({ name, bytes }))).toEqual([
        { name: 'doc', bytes: 1 },
      ])
    })

    it('deletes a document’s versions with it; ids start again', async () => {
      const { store } = await create()
      await store.append('doc', [bytes(1)])
      const version = { createdAt: 1, label: null, kind: 'auto' as const, content: bytes(9) }
      await store.saveVersion('doc', version)
      await store.saveVersion('doc', version)
      await store.append('docs', [bytes(1)])
      await store.saveVersion('docs', version)
      await store.delete('doc')
      expect(await store.listVersions('doc')).toEqual([])
      expect(await store.loadVersion('doc', 1)).toBeNull()
      expect((await store.listVersions('docs')).map((v) => v.id)).toEqual([1])
      await store.append('doc', [bytes(2)])
      expect((await store.saveVersion('doc', version)).id).toBe(1)
    })

    it('pages through documents that have versions', async () => {
      const { store } = await create()
      for (const name of ['a', 'b', 'c', 'd']) {
        await store.append(name, [bytes(1, 2)])
        for (let i = 0; i < 3; i++) {
          await store.saveVersion(name, {
            createdAt: i,
            label: null,
            kind: 'auto',
            content: new Uint8Array(100),
          })
        }
      }
      const first = await store.list({ limit: 3 })
      expect(first.docs.map(({ name, bytes }) => ({ name, bytes }))).toEqual([
        { name: 'a', bytes: 2 },
        { name: 'b', bytes: 2 },
        { name: 'c', bytes: 2 },
      ])
      const second = await store.list({ limit: 3, after: first.next as string })
      expect(second.docs.map((d) => d.name)).toEqual(['d'])
      expect(second.next).toBeUndefined()
    })

    it('keeps versions across reopen', async () => {
      const { store, reopen } = await create()
      if (reopen === undefined) return
      await store.append('doc', [bytes(1)])
      await store.saveVersion('doc', {
        createdAt: 5,
        label: 'x',
        kind: 'manual',
        content: bytes(7),
      })
      await store.close()
      const again = await reopen()
      open.push(again)
      expect(await again.listVersions('doc')).toEqual([
        { id: 1, createdAt: 5, label: 'x', kind: 'manual', bytes: 1 },
      ])
      expect([...((await again.loadVersion('doc', 1)) ?? [])]).toEqual([7])
      expect(
        (
          await again.saveVersion('doc', {
            createdAt: 6,
            label: null,
            kind: 'auto',
            content: bytes(8),
          })
        ).id,
      ).toBe(2)
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
