/**
 * Which saved versions of a document to keep. Pure: the caller lists, decides, deletes.
 *
 * - Automatic versions: the newest `keepAuto` are kept, and of those only the ones younger
 *   than `maxAutoAgeMs` (0: no age limit).
 * - Labelled (manual) versions are never deleted by retention; `maxLabelled` caps how many a
 *   document may have (see `canSaveLabelled`).
 * - The newest version of the document is always kept, whatever its kind or age: it is what
 *   tells the server whether the document changed since (no duplicate snapshots).
 */
import type { VersionInfo } from '../storage/doc-store.js'

/** Retention settings, from the server config. */
export interface RetentionPolicy {
  /** Automatic versions kept per document. */
  readonly keepAuto: number
  /** Automatic versions older than this are deleted; 0 keeps them regardless of age. */
  readonly maxAutoAgeMs: number
  /** Labelled versions a document may have. */
  readonly maxLabelled: number
}

/**
 * Ids of the versions to delete from `versions` (oldest first, as `listVersions` returns them)
 * at time `nowMs`.
 *
 * @example
 * versionsToPrune(list, { keepAuto: 50, maxAutoAgeMs: 30 * 86_400_000, maxLabelled: 100 }, Date.now())
 */
export function versionsToPrune(
  versions: readonly VersionInfo[],
  policy: RetentionPolicy,
  nowMs: number,
): number[] {
  const newest = versions.at(-1)
  const autos = versions.filter((v) => v.kind === 'auto')
  const prune: number[] = []
  const excess = autos.length - policy.keepAuto
  for (const [index, version] of autos.entries()) {
    if (version === newest) continue
    const tooMany = index < excess
    const tooOld = policy.maxAutoAgeMs > 0 && nowMs - version.createdAt > policy.maxAutoAgeMs
    if (tooMany || tooOld) prune.push(version.id)
  }
  return prune
}

/** Whether another labelled version may be saved next to `versions`. */
export function canSaveLabelled(
  versions: readonly VersionInfo[],
  policy: RetentionPolicy,
): boolean {
  return versions.filter((v) => v.kind === 'manual').length < policy.maxLabelled
}
