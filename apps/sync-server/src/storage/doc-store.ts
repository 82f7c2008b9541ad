/**
 * The storage seam: where documents live between server restarts. Two implementations
 * (LevelDB, memory) pass one contract suite (`doc-store.contract.ts`).
 *
 * A document is stored as a list of Yjs updates: at most one snapshot (the merged state at
 * the last compaction) followed by the updates appended since. Applying them in any order
 * gives the same document, because Yjs updates commute. Beside them: the client-id owners,
 * the last-modified time, and the document's saved versions (each a full Yjs state). A
 * deleted document may leave a tombstone (its deletion time) and nothing else.
 */

/** What is stored for one document. */
export interface StoredDoc {
  /** The snapshot (if any) first, then every update appended since, oldest first. */
  readonly updates: Uint8Array[]
  /** Bytes in the snapshot (0 when there is none). */
  readonly snapshotBytes: number
  /** Number of updates appended since the snapshot. */
  readonly appendedCount: number
  /** Bytes of the updates appended since the snapshot. */
  readonly appendedBytes: number
  /**
   * Which user first wrote with each Yjs client id (with authentication on), so a client id
   * stays bound to its user across restarts. Kept by compaction.
   */
  readonly clientOwners: ReadonlyMap<number, string>
  /**
   * The time of the tombstone `delete` left for the document (ms since the epoch), or null.
   * Appends leave it in place; a `delete` without `tombstoneAt` removes it.
   */
  readonly deletedAt: number | null
  /**
   * When updates were last appended (ms since the epoch), as in `StoredDocInfo`; null when
   * nothing was, or before the store recorded it.
   */
  readonly lastModified: number | null
}

/** A stored document's entry in a listing. */
export interface StoredDocInfo {
  readonly name: string
  /** Bytes on record (snapshot and appended updates, before any LevelDB compression). */
  readonly bytes: number
  /**
   * When updates were last appended (ms since the epoch, the store's clock; a store may keep
   * it to the second, at most 1 s behind); null when the document was last written before the
   * store recorded it.
   */
  readonly lastModified: number | null
}

/** `auto`: taken by the server while the document was edited. `manual`: asked for (API). */
export type VersionKind = 'auto' | 'manual'

/** A saved version of a document, without its content. */
export interface VersionInfo {
  /** Positive integer, increasing with every version saved for the document. */
  readonly id: number
  /** When it was taken (ms since the epoch). */
  readonly createdAt: number
  readonly label: string | null
  readonly kind: VersionKind
  /** Bytes of its content. */
  readonly bytes: number
}

/** A version to save: the document's full state (`Y.encodeStateAsUpdate`) and its metadata. */
export interface NewVersion {
  readonly createdAt: number
  readonly label: string | null
  readonly kind: VersionKind
  readonly content: Uint8Array
}

/** One page of a listing. */
export interface StoredDocPage {
  readonly docs: StoredDocInfo[]
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: string
}

/** A tombstone: `name` was deleted at `deletedAt` (ms since the epoch). */
export interface TombstoneInfo {
  readonly name: string
  readonly deletedAt: number
}

/** One page of a tombstone listing. */
export interface TombstonePage {
  readonly tombstones: TombstoneInfo[]
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: string
}

/** Options of `DocStore.append`. */
export interface AppendOptions {
  /**
   * Record this as the last-modified time instead of the current time (a cluster hand-off
   * keeps the time the content was last changed, not the time it moved).
   */
  readonly lastModified?: number
}

/**
 * Durable document storage.
 *
 * Contract (checked by `doc-store.contract.ts`):
 * - A promise resolves only once the write is durable against a crash of this process.
 * - Operations on one document take effect in the order they were called; operations on
 *   different documents do not wait for each other.
 * - `replace`, `delete`, `saveVersion` and `deleteVersions` are atomic: a crash leaves
 *   either the old or the new state. A document's versions are deleted with it, in the same
 *   atomic write.
 * - Document names are opaque strings; they never become file paths.
 */
export interface DocStore {
  /** Everything stored for `name`; an empty list when nothing is. */
  load(name: string): Promise<StoredDoc>
  /**
   * Append updates to `name`, and record new client-id owners and (when there are updates)
   * the last-modified time in the same atomic write. Appends issued in one event-loop turn
   * are written together.
   */
  append(
    name: string,
    updates: readonly Uint8Array[],
    newOwners?: ReadonlyMap<number, string>,
    options?: AppendOptions,
  ): Promise<void>
  /** Atomically replace the updates stored for `name` by one snapshot update (owners stay). */
  replace(name: string, snapshot: Uint8Array): Promise<void>
  /**
   * Atomically remove everything stored for `name`, versions included. With `tombstoneAt`,
   * record in the same write that the document was deleted then (`StoredDoc.deletedAt`);
   * without it, remove any tombstone too.
   */
  delete(name: string, options?: { tombstoneAt?: number }): Promise<void>
  /**
   * Stored documents (those with a snapshot or updates) in name order (of UTF-8 bytes),
   * `limit` at a time, starting after `after`.
   */
  list(options?: { after?: string; limit?: number }): Promise<StoredDocPage>
  /**
   * Tombstones (`delete` with `tombstoneAt`), expired or not, in name order (of UTF-8 bytes),
   * `limit` at a time, starting after `after`. Whether the document also has content does not
   * matter here.
   */
  listTombstones(options?: { after?: string; limit?: number }): Promise<TombstonePage>
  /** Save a version of `name`; it gets the next id of the document. */
  saveVersion(name: string, version: NewVersion): Promise<VersionInfo>
  /** Every version of `name`, oldest first. */
  listVersions(name: string): Promise<VersionInfo[]>
  /** The content of one version, or null when there is no such version. */
  loadVersion(name: string, id: number): Promise<Uint8Array | null>
  /** Delete versions of `name` (unknown ids are ignored). */
  deleteVersions(name: string, ids: readonly number[]): Promise<void>
  /** Whether the store is open and usable. */
  readonly isOpen: boolean
  /** Finish pending writes and release the store. Further calls reject. */
  close(): Promise<void>
}

/** Raised for operations on a closed store. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError'
  readonly code = 'STORE_CLOSED'
  constructor() {
    super('the document store is closed')
  }
}
