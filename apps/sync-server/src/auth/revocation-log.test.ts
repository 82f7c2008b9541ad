/** The revocation log on a real LevelDB in a temp dir: survives reopening, forgets what expired. */
import { afterEach, describe, expect, it } from 'vitest'
import { openLevelDbStore } from '../storage/leveldb-store.js'
import { Cleanup, tempDir } from '../test-support/harness.js'
import { createLevelDbRevocationLog, type RevocationLogOptions } from './revocation-log.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 11, 1)

async function openLog(dir: string, options: Partial<RevocationLogOptions> = {}) {
  const store = await openLevelDbStore({ dir, fsync: false })
  cleanup.add(() => (store.isOpen ? store.close() : undefined))
  const section = store.sublevel('revocations')
  const log = createLevelDbRevocationLog(section, {
    fsync: false,
    maxAgeMs: 24 * HOUR,
    maxEntries: 100,
    ...options,
  })
  return { store, section, log }
}

describe('revocation log', () => {
  it('gives back what was appended, oldest first, after the database is reopened', async () => {
    const dir = await tempDir(cleanup, 'weft-revocations-')
    const first = await openLog(dir)
    await first.log.append([{ target: { user: 'mallory' }, mode: 'close', at: T0 + 2 }])
    await first.log.append([
      { target: { doc: 'plans' }, mode: 'read-only', at: T0 + 1 },
      { target: { user: 'eve', doc: 'plans' }, mode: 'close', at: T0 + 2 },
    ])
    await first.store.close()

    const second = await openLog(dir)
    const loaded = await second.log.load(T0 + HOUR)
    expect(loaded[0]).toEqual({ target: { doc: 'plans' }, mode: 'read-only', at: T0 + 1 })
    expect(loaded.slice(1).map((r) => r.target)).toEqual(
      expect.arrayContaining([{ user: 'mallory' }, { user: 'eve', doc: 'plans' }]),
    )
    expect(loaded).toHaveLength(3)
  })

  it('deletes what is past the age limit, and keeps only the newest beyond the count', async () => {
    const dir = await tempDir(cleanup, 'weft-revocations-')
    const { log, section } = await openLog(dir, { maxEntries: 2 })
    for (let i = 0; i < 5; i++) {
      await log.append([{ target: { user: `u${i}` }, mode: 'close', at: T0 + i * HOUR }])
    }
    // At T0 + 25 h the first (T0) and second (T0 + 1 h) are older than a day.
    const loaded = await log.load(T0 + 25 * HOUR)
    expect(loaded.map((r) => r.target.user)).toEqual(['u3', 'u4'])
    expect(await section.keys().all()).toHaveLength(2)
  })

  it('refuses to start from a damaged record rather than give access back', async () => {
    const dir = await tempDir(cleanup, 'weft-revocations-')
    const { log, section } = await openLog(dir)
    await log.append([{ target: { user: 'mallory' }, mode: 'close', at: T0 }])
    await section.put('00000000ffff-x', '{"mode":"close","at":1}')
    await expect(log.load(T0)).rejects.toThrow(/is not a revocation/)
    await section.put('00000000ffff-x', 'not json')
    await expect(log.load(T0)).rejects.toThrow(/is not JSON/)
  })
})
