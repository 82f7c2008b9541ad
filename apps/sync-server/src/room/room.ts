/**
 * One document being edited: a Y.Doc, its presence table, its peers and its write path,
 * composed (a room has a Y.Doc; it is not one).
 */
import * as Y from 'yjs'
import type { SentFrameKind } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import {
  type ClientMessage,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../protocol/codec.js'
import { ProtocolError } from '../protocol/protocol-error.js'
import type { NewVersion, StoredDoc, VersionInfo } from '../storage/doc-store.js'
import { ApplyFailedError, DocGuard } from './doc-guard.js'
import { LazyDoc, StoredDocError } from './lazy-doc.js'
import { mergeUpdates } from './merge-updates.js'
import { type DurableBatch, RoomClosedError, RoomPersistence } from './room-persistence.js'
import { RoomPresence } from './room-presence.js'
import {
  type ChangeSource,
  HANDOFF,
  type Origin,
  type Peer,
  type RoomDeps,
  RoomFailedError,
  type RoomOptions,
  ServerChange,
  usersOf,
} from './room-types.js'
import { RoomVersions } from './room-versions.js'

export {
  type ChangeSource,
  type Peer,
  type RoomDeps,
  RoomFailedError,
  type RoomOptions,
} from './room-types.js'

/** The empty update (no structs, no deletions) clients send when they have nothing new. */
const isEmptyUpdate = (update: Uint8Array): boolean =>
  update.byteLength === 2 && update[0] === 0 && update[1] === 0

/** The state vector of a document without content. */
const EMPTY_STATE_VECTOR = Uint8Array.of(0)

/**
 * How long after a client joins a room with a stored snapshot the document is built (to send
 * the room's own sync step 1, and to be ready for updates); see `LazyDoc.buildLater`.
 */
const BUILD_AFTER_JOIN_MS = 100

/** A state vector that names no client: the client holds nothing yet. */
const isEmptyStateVector = (stateVector: Uint8Array): boolean =>
  stateVector.byteLength === 1 && stateVector[0] === 0

/**
 * Load a document from storage into a new room. What is stored is read completely before the
 * room exists, so no peer can ever be sent a partial state.
 */
export async function loadRoom(name: string, options: RoomOptions, deps: RoomDeps): Promise<Room> {
  const started = performance.now()
  const stored = await deps.store.load(name)
  deps.metrics.roomLoads.inc()
  deps.metrics.roomLoadSeconds.observe((performance.now() - started) / 1000)
  return new Room(name, options, deps, stored)
}

/**
 * A loaded document and everyone editing it. Its Y.Doc is built on first use (`LazyDoc`): a
 * client joining before that is answered from the stored bytes, and gets the room's own sync
 * step 1 (its state vector) once the document is built, right after.
 */
export class Room {
  readonly name: string
  readonly #doc: LazyDoc
  /** Peers that joined before the document was built: they get its sync step 1 then. */
  #awaitingStep1: Set<Peer> | null = null
  readonly #options: RoomOptions
  readonly #deps: RoomDeps
  readonly #peers = new Set<Peer>()
  readonly #presence: RoomPresence<Peer>
  readonly #persistence: RoomPersistence<Origin>
  readonly #guard: DocGuard<Origin>
  readonly #versions: RoomVersions
  #failed: RoomFailedError | null = null
  /** Set by `shut`: peers joining later are closed with this. */
  #shut: { code: number; reason: string } | null = null
  /** The tombstone's time, while the document counts as deleted. */
  #deletedAt: number | null
  #reviving: Promise<void> | null = null

  constructor(name: string, options: RoomOptions, deps: RoomDeps, stored: StoredDoc) {
    this.name = name
    this.#doc = new LazyDoc(name, stored, {
      onUpdate: (update, origin) => this.#persistence.add(update, origin as Origin),
      onBuilt: (doc) => this.#sendAwaitedStep1(doc),
    })
    this.#options = options
    this.#deps = deps
    this.#deletedAt = stored.deletedAt
    this.#presence = new RoomPresence<Peer>(options, {
      metrics: deps.metrics,
      claim: (clientId, user, newOwners) => this.#guard.claim(clientId, user, newOwners),
      addOwners: (owners) => this.#persistence.addOwners(owners),
      broadcast: (frame) => this.#broadcast(frame, 'awareness', null),
    })
    this.#persistence = new RoomPersistence<Origin>(
      {
        name,
        store: deps.store,
        logger: deps.logger,
        metrics: deps.metrics,
        onDurable: (batch) => {
          this.#relay(batch)
          this.#versions.noteChange()
          this.#deps.onDocumentChanged?.(name, usersOf(batch.origins))
        },
        snapshot: () => this.#guard.snapshot(),
      },
      options,
      stored,
    )
    this.#guard = new DocGuard<Origin>(() => this.#docNow(), options, stored.clientOwners)
    this.#versions = new RoomVersions(
      {
        name,
        store: deps.store,
        logger: deps.logger,
        metrics: deps.metrics,
        clock: deps.clock,
        durable: () => this.#persistence.durable(),
        state: () => this.#guard.snapshot(),
        snapshot: () => Y.snapshot(this.#docNow()),
      },
      options,
    )
    // Appended updates are answered from the document, not from the stored bytes.
    if (this.#doc.needsBuild) this.#docNow()
  }

  /**
   * The document, built from what is stored if it is not yet.
   *
   * @throws {RoomFailedError} when what is stored does not decode: as a failed load, nobody
   * gets this room; it stays on disk as it is.
   */
  #docNow(): Y.Doc {
    if (this.#failed !== null) throw this.#failed
    try {
      return this.#doc.get()
    } catch (error) {
      if (!(error instanceof StoredDocError)) throw error
      this.#failLoad(error)
      throw this.#failed
    }
  }

  #failLoad(error: StoredDocError): void {
    if (this.#failed !== null) return
    this.#deps.metrics.roomLoadFailures.inc()
    this.#deps.logger.error(
      { err: error.cause, room: this.name },
      'the stored document does not load',
    )
    this.#failed = new RoomFailedError(error.message, { cause: error.cause })
  }

  /** Build the document soon (see `LazyDoc.buildLater`); a failure closes every peer. */
  #buildLater(): void {
    this.#doc.buildLater(BUILD_AFTER_JOIN_MS, (error) => {
      this.#failLoad(error)
      this.closePeers(CloseCode.internalError, 'document could not be loaded')
    })
  }

  /** The document was built: send its sync step 1 to the peers that joined before. */
  #sendAwaitedStep1(doc: Y.Doc): void {
    const waiting = this.#awaitingStep1
    this.#awaitingStep1 = null
    if (waiting === null) return
    const step1 = encodeSyncStep1(Y.encodeStateVector(doc))
    for (const peer of waiting) if (this.#peers.has(peer)) peer.send(step1, 'sync-step1')
  }

  /** Whether nothing was ever stored or applied for this document. */
  get isEmpty(): boolean {
    return this.#doc.isEmpty
  }

  /** Whether the document was deleted less than `tombstoneMs` ago (and not re-created since). */
  get isDeleted(): boolean {
    const deletedAt = this.#deletedAt
    return deletedAt !== null && this.#deps.clock.now() < deletedAt + this.#options.tombstoneMs
  }

  /** When the document was deleted, while its tombstone lasts (see `isDeleted`); else null. */
  get deletedAt(): number | null {
    return this.isDeleted ? this.#deletedAt : null
  }

  /** Number of connected peers. */
  get peerCount(): number {
    return this.#peers.size
  }

  /** Set once the room cannot be used any more (see `RoomFailedError`). */
  get failure(): RoomFailedError | null {
    return this.#failed
  }

  /**
   * Add a peer: it is sent the server's sync step 1 and every presence state, then receives
   * every durable update of the room.
   */
  join(peer: Peer): void {
    if (this.#shut !== null) {
      peer.close(this.#shut.code, this.#shut.reason)
      return
    }
    if (this.isDeleted) {
      // A client still holding the content would otherwise re-create it without anyone noticing.
      peer.close(CloseCode.documentDeleted, 'document deleted')
      return
    }
    this.#peers.add(peer)
    const built = this.#doc.built
    if (built !== null) {
      peer.send(encodeSyncStep1(Y.encodeStateVector(built)), 'sync-step1')
    } else if (this.#doc.isEmpty) {
      peer.send(encodeSyncStep1(EMPTY_STATE_VECTOR), 'sync-step1')
    } else {
      // The state vector needs the document: the peer gets it once that is built.
      this.#awaitingStep1 ??= new Set()
      this.#awaitingStep1.add(peer)
      this.#buildLater()
    }
    const states = this.#presence.statesFrame()
    if (states !== null) peer.send(states, 'awareness')
  }

  /** Remove a peer, and for everyone else the presence states it introduced. */
  leave(peer: Peer): void {
    if (!this.#peers.delete(peer)) return
    this.#presence.leave(peer)
  }

  /**
   * Handle one decoded message of a joined peer.
   *
   * @throws {ProtocolError} when the payload is refused; the caller closes that peer only.
   * @throws {RoomFailedError} when the room can no longer be used.
   */
  handle(peer: Peer, message: ClientMessage): void {
    if (this.#failed !== null) throw this.#failed
    switch (message.type) {
      case 'sync-step1':
        this.#answerStep1(peer, message.stateVector)
        return
      case 'sync-step2':
      case 'sync-update':
        if (peer.grant.access === 'read') this.#denyUpdate(peer, message.update)
        else this.#applyUpdate(peer, message.update)
        return
      case 'awareness':
        this.#presence.apply(peer, message.update)
        return
      case 'query-awareness':
        peer.send(this.#presence.queryAnswer(), 'awareness')
        return
      default: {
        const unreachable: never = message
        throw new Error(`unhandled message ${JSON.stringify(unreachable)}`)
      }
    }
  }

  /**
   * Compute something from the document now, and resolve with it once everything it may
   * contain is durable. `view` gets the document (it must not change it) and a function
   * returning its full state (`Y.encodeStateAsUpdate` without held-back structs).
   *
   * @throws {RoomClosedError} when the room closes first.
   */
  async read<T>(view: (doc: Y.Doc, state: () => Uint8Array) => T): Promise<T> {
    this.#assertUsable()
    const result = view(this.#docNow(), () => this.#guard.snapshot())
    await this.#persistence.durable()
    return result
  }

  /**
   * Apply a change that does not come from a peer, through the same checks as a peer's
   * update (`DocGuard`), stored and relayed to every peer like one. `build` gets the current
   * state and returns the update to apply (null: nothing to change). A change to a deleted
   * document lifts its tombstone first (the change re-creates it).
   * Resolves with whether something changed, once it is durable.
   *
   * @throws {ProtocolError} when the update is refused (the document is unchanged).
   * @throws {RoomFailedError} when the update decoded but failed to apply: discard the room.
   * @throws {RoomClosedError} when the room closes before the change is durable.
   */
  async change(
    build: (state: Uint8Array) => Uint8Array | null,
    source: ChangeSource,
  ): Promise<boolean> {
    this.#assertUsable()
    const update = build(this.#guard.snapshot())
    if (update === null || isEmptyUpdate(update)) return false
    if (this.isDeleted) {
      // Computed against the state before: still valid after, as Yjs updates commute.
      this.#reviving ??= this.#revive()
      await this.#reviving
      this.#assertUsable()
    }
    this.#admit(new ServerChange(source.id, source.user), source.user, update)
    await this.#persistence.durable()
    return true
  }

  /**
   * Save a labelled version of the current content.
   *
   * @throws {VersionLimitError} when the document has as many labelled versions as allowed.
   */
  saveVersion(label: string | null): Promise<VersionInfo> {
    this.#assertUsable()
    return this.#versions.save(label, 'manual')
  }

  /** Save an automatic version (with `label`) unless nothing changed since the newest version. */
  saveVersionIfChanged(label: string | null): Promise<VersionInfo | null> {
    this.#assertUsable()
    return this.#versions.saveIfChanged(label)
  }

  /** Delete one saved version; resolves with whether it existed. */
  deleteVersion(id: number): Promise<boolean> {
    this.#assertUsable()
    return this.#versions.remove(id)
  }

  /**
   * Store a version another node saved (a cluster hand-off), unless it is here already.
   * Resolves with the stored version, or null for a duplicate.
   */
  importVersion(version: NewVersion): Promise<VersionInfo | null> {
    this.#assertUsable()
    return this.#versions.import(version)
  }

  /** Before unloading: take the automatic version that is due, if the document changed. */
  beforeUnload(): Promise<void> {
    return this.#versions.flushPending()
  }

  /**
   * Close every peer with `code`, stop writing and release the document; peers joining
   * later are closed the same way. For a document being deleted.
   */
  shut(code: number, reason: string): void {
    this.#shut = { code, reason }
    this.closePeers(code, reason)
    this.destroy()
  }

  /**
   * Merge another node's copy of this document (a cluster hand-off): stored, then relayed to
   * every peer, like any update. It was admitted by the node that held it, so the per-client
   * checks do not apply again; its client-id bindings are kept where they do not conflict.
   *
   * @throws {RoomFailedError} when Yjs fails to integrate it.
   */
  merge(update: Uint8Array, owners: ReadonlyMap<number, string>): void {
    this.#assertUsable()
    try {
      Y.applyUpdate(this.#docNow(), update, HANDOFF)
    } catch (cause) {
      this.#failed = new RoomFailedError('a merged copy failed to apply', { cause })
      throw this.#failed
    }
    const newOwners = new Map<number, string>()
    for (const [client, user] of owners) this.#guard.claim(client, user, newOwners)
    this.#persistence.addOwners(newOwners)
  }

  /** Close every peer, for example with 1013 after the room failed. */
  closePeers(code: number, reason: string): void {
    for (const peer of [...this.#peers]) peer.close(code, reason)
  }

  /** Resolves once every applied update is durable. */
  flush(): Promise<void> {
    return this.#persistence.whenIdle()
  }

  /** Flush, then store the document as one snapshot if updates were appended since the last. */
  async flushAndCompact(): Promise<void> {
    await this.#persistence.compactIfAppended()
  }

  /** Release the document. Call after `flush()`; anything not yet durable is dropped. */
  destroy(): void {
    this.#shut ??= { code: CloseCode.tryAgainLater, reason: 'document is reloading; reconnect' }
    this.#presence.dispose()
    this.#versions.dispose()
    this.#persistence.stop()
    this.#peers.clear()
    this.#doc.destroy()
  }

  #assertUsable(): void {
    if (this.#failed !== null) throw this.#failed
    if (this.#shut !== null) throw new RoomClosedError('the room was closed')
  }

  /** Remove the tombstone (stored), so the document exists again. */
  async #revive(): Promise<void> {
    await this.#deps.store.delete(this.name)
    this.#deletedAt = null
    this.#reviving = null
  }

  #answerStep1(peer: Peer, stateVector: Uint8Array): void {
    const stored = isEmptyStateVector(stateVector) ? this.#doc.storedState() : null
    if (stored !== null) {
      // Nothing changed since the load, and the client holds nothing: the stored state is
      // exactly the answer (and nothing is waiting to be stored).
      peer.send(encodeSyncStep2(stored), 'sync-step2')
      if (this.#doc.built === null && !this.#doc.isEmpty) this.#buildLater()
      return
    }
    const doc = this.#docNow()
    let diff: Uint8Array
    try {
      diff = Y.encodeStateAsUpdate(doc, stateVector)
    } catch (cause) {
      throw new ProtocolError('INVALID_UPDATE', 'state vector does not decode', { cause })
    }
    // The diff may contain updates not yet durable: send it only once they are.
    const reply = encodeSyncStep2(diff)
    this.#persistence.afterDurable(() => peer.send(reply, 'sync-step2'))
  }

  /** A read-only peer sent a change: drop it and tell the client (auth permission denied). */
  #denyUpdate(peer: Peer, update: Uint8Array): void {
    if (isEmptyUpdate(update)) return
    this.#deps.metrics.updatesDenied.inc()
    peer.send(encodePermissionDenied('read-only access: document updates are not accepted'), 'auth')
  }

  #applyUpdate(peer: Peer, update: Uint8Array): void {
    if (isEmptyUpdate(update)) return
    this.#admit(peer, peer.grant.user, update)
  }

  /** Check and apply an update from `origin` (a peer or a server change); see `DocGuard`. */
  #admit(origin: Origin, user: string | null, update: Uint8Array): void {
    if (this.#persistence.pendingBytes + update.byteLength > this.#options.maxPendingBytes) {
      throw new ProtocolError('STORAGE_BACKLOG', 'too many updates waiting to be stored')
    }
    const newOwners = new Map<number, string>()
    try {
      this.#guard.apply(update, { origin, user }, this.#persistence.storedBytes, newOwners)
    } catch (error) {
      if (!(error instanceof ApplyFailedError)) throw error
      // It decoded but Yjs failed while integrating it: the document may be half-changed.
      // Its durable state is intact, so fail the room: its peers reconnect and it reloads.
      this.#failed = new RoomFailedError(`update from ${origin.id} failed to apply`, {
        cause: error.cause,
      })
      this.#deps.logger.error(
        { err: error.cause, room: this.name, peer: origin.id },
        'an update that decoded failed to apply; reloading the room from storage',
      )
      throw this.#failed
    }
    this.#persistence.addOwners(newOwners)
    this.#deps.metrics.updatesApplied.inc()
  }

  #relay(batch: DurableBatch<Origin>): void {
    const { updates } = batch
    const update = mergeUpdates(updates)
    this.#broadcast(encodeSyncUpdate(update), 'sync-update', batch.soleOrigin)
  }

  /** Send the same bytes to every peer but `skip`. */
  #broadcast(frame: Uint8Array, type: SentFrameKind, skip: Origin | null): void {
    for (const peer of this.#peers) {
      if (peer !== skip) peer.send(frame, type)
    }
  }
}
