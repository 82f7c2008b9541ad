/**
 * The storage seam: where documents live between server restarts. Two implementations
 * (LevelDB, memory) pass one contract suite (`doc-store.contract.ts`).
 *
 * A document is stored as a list of Yjs updates: at most one snapshot (the merged state at
 * the last compaction) followed by the updates appended since. Applying them in any order
 * gives the same document, because Yjs updates commute.
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
}

/** A stored document's entry in a listing. */
export interface StoredDocInfo {
  readonly name: string
  /** Bytes on record (snapshot and appended updates, before any LevelDB compression). */
  readonly bytes: number
}

/** One page of a listing. */
export interface StoredDocPage {
  readonly docs: StoredDocInfo[]
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: string
}

/**
 * Durable document storage.
 *
 * Contract (checked by `doc-store.contract.ts`):
 * - A promise resolves only once the write is durable against a crash of this process.
 * - Operations on one document take effect in the order they were called; operations on
 *   different documents do not wait for each other.
 * - `replace` and `delete` are atomic: a crash leaves either the old or the new state.
 * - Document names are opaque strings; they never become file paths.
 */
export interface DocStore {
  /** Everything stored for `name`; an empty list when nothing is. */
  load(name: string): Promise<StoredDoc>
  /**
   * Append updates to `name`, and record new client-id owners in the same atomic write.
   * Appends issued in one event-loop turn are written together.
   */
  append(
    name: string,
    updates: readonly Uint8Array[],
    newOwners?: ReadonlyMap<number, string>,
  ): Promise<void>
  /** Atomically replace the updates stored for `name` by one snapshot update (owners stay). */
  replace(name: string, snapshot: Uint8Array): Promise<void>
  /** Atomically remove everything stored for `name`. */
  delete(name: string): Promise<void>
  /** Stored documents in name order, `limit` at a time, starting after `after`. */
  list(options?: { after?: string; limit?: number }): Promise<StoredDocPage>
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
