/**
 * Revocations on disk, so a restart does not give a revoked token its access back. Each
 * revocation is one record in a section of the documents' database (`revocations`), keyed by
 * its time, so reading the section yields them oldest first. Records past the age limit, or
 * beyond the count limit, are deleted when the log is read at start.
 */
import { randomUUID } from 'node:crypto'
import type { LevelSection } from '../storage/leveldb-store.js'
import type { Revocation } from './revocations.js'

/** Where revocations are kept between runs. */
export interface RevocationLog {
  /**
   * The stored revocations made after `nowMs - maxAgeMs`, oldest first, at most `maxEntries`
   * of them (the newest); the others are deleted.
   *
   * @throws {Error} when a record does not decode: a damaged revocation fails the start
   *   rather than silently giving access back.
   */
  load(nowMs: number): Promise<Revocation[]>
  /** Store `revocations` (one write). */
  append(revocations: readonly Revocation[]): Promise<void>
}

export interface RevocationLogOptions {
  readonly fsync: boolean
  readonly maxAgeMs: number
  readonly maxEntries: number
}

/** Times as 12 hex digits sort like numbers until the year 10889. */
const keyOf = (at: number): string => `${at.toString(16).padStart(12, '0')}-${randomUUID()}`

/** A revocation log in `section` (a section of the LevelDB store). */
export function createLevelDbRevocationLog(
  section: LevelSection,
  options: RevocationLogOptions,
): RevocationLog {
  // classic-level's `sync`, which a section passes on to the database (untyped there).
  const writeOptions: { sync: boolean; valueEncoding: 'utf8' } = {
    sync: options.fsync,
    valueEncoding: 'utf8',
  }
  return {
    async load(nowMs) {
      const records = await section.iterator().all()
      const cutoff = nowMs - options.maxAgeMs
      const keep: Revocation[] = []
      const keptKeys: string[] = []
      const stale: string[] = []
      for (const [key, value] of records) {
        const revocation = decode(key, value)
        if (revocation.at < cutoff) {
          stale.push(key)
        } else {
          keep.push(revocation)
          keptKeys.push(key)
        }
      }
      const excess = keep.length - options.maxEntries
      if (excess > 0) {
        stale.push(...keptKeys.slice(0, excess))
        keep.splice(0, excess)
      }
      if (stale.length > 0) {
        await section.batch(
          stale.map((key) => ({ type: 'del', key })),
          writeOptions,
        )
      }
      return keep
    },
    async append(revocations) {
      if (revocations.length === 0) return
      await section.batch(
        revocations.map(({ target, mode, at }) => ({
          type: 'put',
          key: keyOf(at),
          value: JSON.stringify({ ...target, mode, at }),
        })),
        writeOptions,
      )
    },
  }
}

function decode(key: string, value: string): Revocation {
  let record: unknown
  try {
    record = JSON.parse(value)
  } catch (cause) {
    throw new Error(`stored revocation ${key} is not JSON`, { cause })
  }
  const { user, doc, mode, at } = (record ?? {}) as Record<string, unknown>
  const validTarget =
    (user === undefined || typeof user === 'string') &&
    (doc === undefined || typeof doc === 'string') &&
    (user !== undefined || doc !== undefined)
  if (!validTarget || (mode !== 'close' && mode !== 'read-only') || !Number.isFinite(at)) {
    throw new Error(`stored revocation ${key} is not a revocation: ${value.slice(0, 200)}`)
  }
  const target: { user?: string; doc?: string } = {}
  if (typeof user === 'string') target.user = user
  if (typeof doc === 'string') target.doc = doc
  return { target, mode, at: at as number }
}
