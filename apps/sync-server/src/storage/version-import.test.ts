import { describe, expect, it } from 'vitest'
import type { NewVersion } from './doc-store.js'
import { createMemoryStore } from './memory-store.js'
import { byCreation, importVersion } from './version-import.js'

const version = (
  createdAt: number,
  content: number[],
  label: string | null = null,
): NewVersion => ({
  createdAt,
  label,
  kind: label === null ? 'auto' : 'manual',
  content: Uint8Array.from(content),
})

describe('importVersion', () => {
  it('stores a version once: the same moment and content is not stored again', async () => {
    const store = createMemoryStore()
    const first = await importVersion(store, 'doc', [], version(10, [1, 2], 'draft'))
    expect(first).toMatchObject({ id: 1, createdAt: 10, label: 'draft', kind: 'manual' })
    const known = await store.listVersions('doc')
    expect(await importVersion(store, 'doc', known, version(10, [1, 2], 'draft'))).toBeNull()
    expect(await store.listVersions('doc')).toHaveLength(1)
  })

  it('stores versions that differ in any part of their identity', async () => {
    const store = createMemoryStore()
    await importVersion(store, 'doc', [], version(10, [1, 2], 'draft'))
    const variants = [
      version(11, [1, 2], 'draft'), // time
      version(10, [1, 3], 'draft'), // content, same size
      version(10, [1, 2], 'final'), // label
      version(10, [1, 2]), // kind and label
    ]
    for (const v of variants) {
      const stored = await importVersion(store, 'doc', await store.listVersions('doc'), v)
      expect(stored).not.toBeNull()
    }
    expect(await store.listVersions('doc')).toHaveLength(5)
  })

  it('orders a merged history by creation time, then id', () => {
    const info = (id: number, createdAt: number) => ({
      id,
      createdAt,
      label: null,
      kind: 'auto' as const,
      bytes: 1,
    })
    const sorted = [info(1, 30), info(2, 10), info(3, 30), info(4, 20)].sort(byCreation)
    expect(sorted.map((v) => v.id)).toEqual([2, 4, 1, 3])
  })
})
