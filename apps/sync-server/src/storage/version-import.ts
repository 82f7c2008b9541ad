/**
 * Importing a version saved elsewhere (a cluster hand-off) into a document's versions, once.
 *
 * Ids are per node and per document, so they cannot say whether two versions are the same.
 * A version's identity is what it records: `createdAt`, `kind`, `label` and its content,
 * compared byte for byte (exact, and only read for versions whose metadata already match).
 * Importing a version whose identity is already there stores nothing, so a hand-off repeated
 * after a lost commit, or an offer arriving after a gather took the same copy, never
 * duplicates a document's history.
 */
import type { DocStore, NewVersion, VersionInfo } from './doc-store.js'

/** Oldest first by `createdAt`, ties by id: the order of a history merged from several nodes. */
export function byCreation(a: VersionInfo, b: VersionInfo): number {
  return a.createdAt - b.createdAt || a.id - b.id
}

/** Whether `known` records the same moment as `version` (content not compared). */
export function sameMetadata(known: VersionInfo, version: NewVersion): boolean {
  return (
    known.createdAt === version.createdAt &&
    known.kind === version.kind &&
    known.label === version.label &&
    known.bytes === version.content.byteLength
  )
}

/**
 * Save `version` of `name` unless one of `known` (the document's versions as stored) is the
 * same version. Resolves with the new version, or null when it was there already.
 */
export async function importVersion(
  store: DocStore,
  name: string,
  known: readonly VersionInfo[],
  version: NewVersion,
): Promise<VersionInfo | null> {
  for (const candidate of known) {
    if (!sameMetadata(candidate, version)) continue
    const content = await store.loadVersion(name, candidate.id)
    if (content !== null && Buffer.from(content).equals(version.content)) return null
  }
  return store.saveVersion(name, version)
}
