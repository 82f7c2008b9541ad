/**
 * Admits client updates into a room's document: every check that must pass before an update
 * may change the document, and the apply itself.
 *
 * - It decodes completely and nests types no deeper than `maxNestingDepth`.
 * - With authentication on, each Yjs client id belongs to the user who first used it (in an
 *   update or a presence announcement); new content under another user's client id is refused,
 *   so nobody can pre-empt or overwrite someone else's edits, present or future.
 * - The document stays under `maxDocBytes`.
 * - Structs held back for missing dependencies stay under `maxPendingStructBytes` per room and
 *   `maxPendingUpdatesPerPeer` per client; past either, what the update added is taken back.
 */
import * as Y from 'yjs'
import { ProtocolError } from '../protocol/protocol-error.js'
import { inspectUpdate } from './update-inspector.js'

/** Limits of the guard. */
export interface DocGuardOptions {
  readonly maxNestingDepth: number
  readonly maxDocBytes: number
  readonly maxPendingStructBytes: number
  readonly maxPendingUpdatesPerPeer: number
}

/** An update Yjs failed to integrate after it decoded: the document may be half-changed. */
export class ApplyFailedError extends Error {
  override readonly name = 'ApplyFailedError'
}

/** Who sends an update: the transaction origin, and the authenticated user (or null). */
export interface UpdateSource<Origin> {
  readonly origin: Origin
  readonly user: string | null
}

/** Guards one document; see the module comment. */
export class DocGuard<Origin extends object> {
  /** The document; a function, so a room can build it only when an update first needs it. */
  readonly #docOf: () => Y.Doc
  readonly #options: DocGuardOptions
  readonly #owners: Map<number, string>
  readonly #pendingUpdates = new WeakMap<Origin, number>()
  /** The exact encoded size, measured when the size estimate was `estimate`. */
  #measured: { estimate: number; exact: number } | null = null

  constructor(
    doc: Y.Doc | (() => Y.Doc),
    options: DocGuardOptions,
    owners: ReadonlyMap<number, string>,
  ) {
    this.#docOf = typeof doc === 'function' ? doc : () => doc
    this.#options = options
    this.#owners = new Map(owners)
  }

  /** The user owning each client id. */
  get owners(): ReadonlyMap<number, string> {
    return this.#owners
  }

  /**
   * Bind `clientId` to `user` if nobody owns it yet. Returns whether `user` owns it now
   * (false: another user does).
   */
  claim(clientId: number, user: string, newOwners: Map<number, string>): boolean {
    const owner = this.#owners.get(clientId)
    if (owner === undefined) {
      this.#owners.set(clientId, user)
      newOwners.set(clientId, user)
      return true
    }
    return owner === user
  }

  /**
   * Check `update` and apply it with `source.origin` as transaction origin. `estimatedBytes`
   * is an upper bound of the document's size (what is stored plus what is waiting to be).
   * Client ids the update binds to its user are added to `newOwners`.
   *
   * @throws {ProtocolError} when the update is refused; the document is unchanged.
   * @throws {ApplyFailedError} when Yjs threw while integrating a well-formed update.
   */
  apply(
    update: Uint8Array,
    source: UpdateSource<Origin>,
    estimatedBytes: number,
    newOwners: Map<number, string>,
  ): void {
    const doc = this.#docOf()
    const store = doc.store
    const inspection = inspectUpdate(doc, update, {
      maxDepth: this.#options.maxNestingDepth,
      pending: store.pendingStructs,
    })
    const claimed = new Map<number, string>()
    if (source.user !== null) {
      for (const client of inspection.writtenClients) {
        const owner = this.#owners.get(client)
        if (owner !== undefined && owner !== source.user) {
          throw new ProtocolError(
            'FOREIGN_CLIENT_ID',
            `update writes under client id ${client}, which belongs to another user`,
          )
        }
        if (owner === undefined) claimed.set(client, source.user)
      }
    }
    this.#checkSize(update.byteLength, estimatedBytes)

    const before = snapshotPending(store)
    try {
      Y.applyUpdate(doc, update, source.origin)
    } catch (cause) {
      throw new ApplyFailedError('a well-formed update failed to integrate', { cause })
    }
    const after = pendingBytes(store)
    if (after > before.bytes) {
      const count = (this.#pendingUpdates.get(source.origin) ?? 0) + 1
      this.#pendingUpdates.set(source.origin, count)
      if (
        after > this.#options.maxPendingStructBytes ||
        count > this.#options.maxPendingUpdatesPerPeer
      ) {
        // What Yjs holds back is not part of the document yet: taking it back is safe.
        restorePending(store, before)
        throw new ProtocolError('TOO_MANY_PENDING', 'too many updates with missing dependencies')
      }
    }
    for (const [client, user] of claimed) {
      this.#owners.set(client, user)
      newOwners.set(client, user)
    }
  }

  /** The document's full state without held-back structs (which are never stored). */
  snapshot(): Uint8Array {
    const doc = this.#docOf()
    const store = doc.store
    const { pendingStructs, pendingDs } = store
    store.pendingStructs = null
    store.pendingDs = null
    try {
      return Y.encodeStateAsUpdate(doc)
    } finally {
      store.pendingStructs = pendingStructs
      store.pendingDs = pendingDs
    }
  }

  #checkSize(incoming: number, estimate: number): void {
    const max = this.#options.maxDocBytes
    if (estimate + incoming <= max) return
    // The estimate (stored bytes) over-counts overwritten and deleted content: measure.
    const measured = this.#measured
    let bound =
      measured !== null && estimate >= measured.estimate
        ? measured.exact + (estimate - measured.estimate)
        : Number.POSITIVE_INFINITY
    if (bound + incoming > max) {
      const exact = this.snapshot().byteLength
      this.#measured = { estimate, exact }
      bound = exact
    }
    if (bound + incoming > max) {
      throw new ProtocolError(
        'DOCUMENT_TOO_LARGE',
        `the document would exceed its size limit of ${max} bytes`,
      )
    }
  }
}

interface PendingSnapshot {
  readonly structs: { missing: Map<number, number>; update: Uint8Array } | null
  readonly ds: Uint8Array | null
  readonly bytes: number
}

function pendingBytes(store: Y.Doc['store']): number {
  return (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0)
}

function snapshotPending(store: Y.Doc['store']): PendingSnapshot {
  const structs = store.pendingStructs
  return {
    structs:
      structs === null ? null : { missing: new Map(structs.missing), update: structs.update },
    ds: store.pendingDs,
    bytes: pendingBytes(store),
  }
}

function restorePending(store: Y.Doc['store'], snapshot: PendingSnapshot): void {
  store.pendingStructs = snapshot.structs
  store.pendingDs = snapshot.ds
}
