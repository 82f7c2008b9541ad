import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { describeDocStoreContract } from './doc-store.contract.js'
import { openLevelDbStore } from './leveldb-store.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-store-'))
  dirs.push(dir)
  return dir
}

describeDocStoreContract('leveldb', {
  async create() {
    const dir = await tempDir()
    return {
      store: await openLevelDbStore({ dir, fsync: false }),
      reopen: () => openLevelDbStore({ dir, fsync: false }),
    }
  },
})

describeDocStoreContract('leveldb with fsync', {
  async create() {
    const dir = await tempDir()
    return {
      store: await openLevelDbStore({ dir, fsync: true }),
      reopen: () => openLevelDbStore({ dir, fsync: true }),
    }
  },
})

describe('leveldb store', () => {
  it('refuses document names containing U+0000', async () => {
    const store = await openLevelDbStore({ dir: await tempDir(), fsync: false })
    await expect(store.append('a\u0000b', [Uint8Array.of(1)])).rejects.toThrow(/U\+0000/)
    await store.close()
  })

  it('refuses to open a directory another store holds', async () => {
    const dir = await tempDir()
    const store = await openLevelDbStore({ dir, fsync: false })
    await expect(openLevelDbStore({ dir, fsync: false })).rejects.toThrow()
    await store.close()
  })
})
