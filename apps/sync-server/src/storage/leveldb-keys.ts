/**
 * Key layout of the LevelDB store (UTF-8 strings; document names never contain U+0000, so
 * one document's keys form one contiguous range, `d\0<name>\0` to `d\0<name>\u0001`):
 *
 *   d\0<name>\0f            first live update <seq> (hex), written by every compaction: every
 *                           update key of <name> below it is deleted, so reads start there
 *                           instead of stepping over LevelDB's deletion markers of old ones
 *   d\0<name>\0m            last modified: ms since the epoch (decimal), with every append batch
 *   d\0<name>\0n            next version id (decimal), with every version saved
 *   d\0<name>\0o\0<id>      the user owning Yjs client id <id> (decimal), UTF-8
 *   d\0<name>\0s            snapshot of <name>
 *   d\0<name>\0u\0<seq>     an update appended after the snapshot; <seq> is 14 hex digits,
 *                           so keys sort in append order
 *   d\0<name>\0v\0<vid>     a version's metadata (JSON); <vid> is 12 decimal digits
 *   d\0<name>\0w\0<vid>     a version's content (a Yjs update of the full state)
 *   t\0<name>               tombstone: when <name> was deleted (ms, decimal)
 *   m\0seq                  the next unused update sequence number (hex)
 *
 * Within a document, keys sort f, m, n, o, s, u, v, w: loading reads the owners, the snapshot
 * and the updates from the first live one on; listing skips the version ranges.
 */

export const SEP = '\u0000'
export const DOC_PREFIX = `d${SEP}`
/** End of every document key. */
export const DOCS_END = 'd\u0001'
export const SEQ_KEY = `m${SEP}seq`

export const docStart = (name: string): string => `${DOC_PREFIX}${name}${SEP}`
export const docEnd = (name: string): string => `${DOC_PREFIX}${name}\u0001`
export const modifiedKey = (name: string): string => `${docStart(name)}m`
export const nextVersionKey = (name: string): string => `${docStart(name)}n`
export const ownerPrefix = (name: string): string => `${docStart(name)}o${SEP}`
/** Past the last owner key of `name`. */
export const ownersEnd = (name: string): string => `${docStart(name)}o\u0001`
export const firstSeqKey = (name: string): string => `${docStart(name)}f`
export const ownerKey = (name: string, clientId: number): string =>
  `${ownerPrefix(name)}${clientId}`
export const snapshotKey = (name: string): string => `${docStart(name)}s`
export const updateKey = (name: string, seq: number): string =>
  `${docStart(name)}u${SEP}${seq.toString(16).padStart(14, '0')}`
export const updatesStart = (name: string): string => `${docStart(name)}u${SEP}`
export const updatesEnd = (name: string): string => `${docStart(name)}u\u0001`

const versionId = (id: number): string => String(id).padStart(12, '0')
export const versionInfoKey = (name: string, id: number): string =>
  `${docStart(name)}v${SEP}${versionId(id)}`
export const versionInfoStart = (name: string): string => `${docStart(name)}v${SEP}`
export const versionInfoEnd = (name: string): string => `${docStart(name)}v\u0001`
export const versionContentKey = (name: string, id: number): string =>
  `${docStart(name)}w${SEP}${versionId(id)}`
/** The first key of a document's versions (metadata), for skipping them in a listing. */
export const versionsStart = versionInfoStart

export const TOMBSTONE_PREFIX = `t${SEP}`
/** End of every tombstone key. */
export const TOMBSTONES_END = 't\u0001'
export const tombstoneKey = (name: string): string => `${TOMBSTONE_PREFIX}${name}`

/** What a key inside a document's range holds (the letter after `d\0<name>\0`). */
export type DocKeyKind = 'f' | 'm' | 'n' | 'o' | 's' | 'u' | 'v' | 'w'

/** Split a document key into the name and the kind of entry. */
export function parseDocKey(key: string): { name: string; kind: DocKeyKind } {
  const end = key.indexOf(SEP, DOC_PREFIX.length)
  return {
    name: key.slice(DOC_PREFIX.length, end),
    kind: key.charAt(end + 1) as DocKeyKind,
  }
}

/** The id of a version metadata key. */
export function versionIdOf(key: string): number {
  return Number(key.slice(key.lastIndexOf(SEP) + 1))
}
