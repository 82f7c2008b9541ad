/**
 * The offline cache: the document kept in IndexedDB (y-indexeddb), so a page opened without
 * network shows the last state and edits made offline survive a reload.
 */
import { IndexeddbPersistence } from 'y-indexeddb'
import type * as Y from 'yjs'

/** An open cache. */
export interface OfflineCache {
  /** The origin of updates the cache applies to the document (they are not local changes). */
  readonly origin: unknown
  /** Resolves once the cached state is loaded (or the cache failed to open). */
  readonly ready: Promise<void>
  /** Close the database handle. Resolves once it is closed. */
  destroy(): Promise<void>
}

/** The IndexedDB database name of a document: one per server and document. */
export function cacheName(serverUrl: string, docName: string): string {
  return `weft:${serverUrl}|${docName}`
}

/** Open the cache of `doc`; failures (no IndexedDB, private mode) go to `onError`. */
export function openOfflineCache(
  name: string,
  doc: Y.Doc,
  onError: (error: unknown) => void,
): OfflineCache {
  const persistence = new IndexeddbPersistence(name, doc)
  const opened = persistence._db.then(
    () => true,
    (error: unknown) => {
      onError(error)
      return false
    },
  )
  return {
    origin: persistence,
    ready: opened.then((ok) => (ok ? persistence.whenSynced.then(() => undefined) : undefined)),
    destroy: () =>
      opened.then((ok) => {
        if (ok) return persistence.destroy()
        // Never opened: only detach it from the document.
        persistence._destroyed = true
        return undefined
      }),
  }
}
