/**
 * One document being edited: a Y.Doc, its presence table, its peers and its write path,
 * composed (a room has a Y.Doc; it is not one).
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { Grant } from '../auth/grant.js'
import type { SentFrameKind, ServerMetrics } from '../metrics.js'
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../protocol/awareness-codec.js'
import { CloseCode } from '../protocol/close-codes.js'
import {
  type ClientMessage,
  encodeAwarenessMessage,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../protocol/codec.js'
import { ProtocolError } from '../protocol/protocol-error.js'
import type { DocStore, NewVersion, StoredDoc, VersionInfo } from '../storage/doc-store.js'
import { ApplyFailedError, DocGuard, type DocGuardOptions } from './doc-guard.js'
import { mergeUpdates } from './merge-updates.js'
import { PresenceBatcher } from './presence-batcher.js'
import { type PresenceRewrite, PresenceTable, type PresenceValidator } from './presence-table.js'
import {
  type DurableBatch,
  type PersistenceOptions,
  RoomClosedError,
  RoomPersistence,
} from './room-persistence.js'
import { type RoomClock, RoomVersions, type VersionOptions } from './room-versions.js'

/** What a room needs from a connected client. */
export interface Peer {
  /** Short id for logs. */
  readonly id: string
  /** What the client may do; with a user, its identity replaces the one in its presence. */
  readonly grant: Grant
  /** Send one frame of message type `type` (for metrics); a peer that cannot take it closes itself. */
  send(frame: Uint8Array, type: SentFrameKind): void
  /** Close the peer's connection with a close code and reason. */
  close(code: number, reason: string): void
}

/** Room settings, from the server config. */
export interface RoomOptions extends PersistenceOptions, DocGuardOptions, VersionOptions {
  /**
   * How long after a document's deletion its clients are refused with 4410 (so a stale copy
   * is not silently re-sent); 0: not at all. A change through the REST API lifts it.
   */
  readonly tombstoneMs: number
  /** Largest presence state relayed, in bytes of JSON. */
  readonly maxAwarenessStateBytes: number
  /** Presence broadcasts within this interval of the last one are batched (see PresenceBatcher). */
  readonly presenceIntervalMs: number
  /** Updates applied but not yet durable, in bytes, beyond which updates are refused. */
  readonly maxPendingBytes: number
  /** Shape check of presence states (for example `parsePresence` from `@weft/awareness`). */
  readonly validatePresence?: PresenceValidator | undefined
}

/** Services a room uses. */
export interface RoomDeps {
  readonly store: DocStore
  readonly logger: Logger
  readonly metrics: ServerMetrics
  readonly clock: RoomClock
  /**
   * Called each time a batch of the document's updates became durable, with the users (token
   * subjects) who wrote them; empty when authentication is off.
   */
  readonly onDocumentChanged?: (name: string, userIds: readonly string[]) => void
}

/** Who makes a change that does not come from a peer (a REST request). */
export interface ChangeSource {
  /** Short id for logs, e.g. `api`. */
  readonly id: string
  /** The authenticated user: client ids the change writes with are bound to it. */
  readonly user: string | null
}

/** The transaction origin of a change from a `ChangeSource`: never a peer, so every peer gets it. */
class ServerChange {
  constructor(
    readonly id: string,
    readonly user: string | null,
  ) {}
}

type Origin = Peer | ServerChange

/** The origin of another node's copy merged in a cluster hand-off. */
const HANDOFF = new ServerChange('handoff', null)

/** A room the server cannot keep using; its peers should reconnect. */
export class RoomFailedError extends Error {
  override readonly name = 'RoomFailedError'
}

/** The empty update (no structs, no deletions) clients send when they have nothing new. */
const isEmptyUpdate = (update: Uint8Array): boolean =>
  update.byteLength === 2 && update[0] === 0 && update[1] === 0

/** Real timers for the presence batcher. */
const timers = {
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
}

/** The state vector and the update of a document without content. */
const EMPTY_STATE_VECTOR = Uint8Array.of(0)
const EMPTY_UPDATE = Uint8Array.of(0, 0)

/**
 * How long after a client joins a room with a stored snapshot the document is built (to send
 * the room's own sync step 1, and to be ready for updates); see `Room.#buildLater`.
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
 * A loaded document and everyone editing it.
 *
 * The Y.Doc is built when something first needs it. Until then a room whose stored state is
 * one snapshot (how a room is left after it was unloaded or the server stopped) or nothing
 * (a new document) answers a client that holds nothing with those stored bytes as they are:
 * no decoding on the way to a new client's sync step 2, so opening a large document costs
 * reading it, and an idle room costs no Y.Doc at all. Its own sync step 1 (its state vector)
 * follows once the document is built, right after. The stored bytes are kept, and used for
 * new clients, until the first change.
 */
export class Room {
  readonly name: string
  /** The document, once built (see `#docNow`). */
  #doc: Y.Doc | null = null
  /** What is stored, merged (null: nothing is); dropped at the first change after the load. */
  #stored: Uint8Array | null
  /**
   * Whether `#stored` is exactly what a new client must get: it is one snapshot (or nothing)
   * and no update was applied since the load.
   */
  #storedIsState: boolean
  /** Peers that joined before the document was built: they get its sync step 1 then. */
  #awaitingStep1: Set<Peer> | null = null
  #buildScheduled = false
  readonly #options: RoomOptions
  readonly #deps: RoomDeps
  readonly #peers = new Set<Peer>()
  readonly #presence: PresenceTable<Peer>
  /** Every presence broadcast goes through it (removals too, so none overtakes a state). */
  readonly #presenceOut: PresenceBatcher
  readonly #persistence: RoomPersistence<Origin>
  readonly #guard: DocGuard<Origin>
  readonly #versions: RoomVersions
  #failed: RoomFailedError | null = null
  #destroyed = false
  /** Set by `shut`: peers joining later are closed with this. */
  #shut: { code: number; reason: string } | null = null
  /** The tombstone's time, while the document counts as deleted. */
  #deletedAt: number | null
  #reviving: Promise<void> | null = null

  constructor(name: string, options: RoomOptions, deps: RoomDeps, stored: StoredDoc) {
    this.name = name
    this.#stored = stored.updates.length === 0 ? null : mergeUpdates(stored.updates)
    this.#storedIsState = stored.updates.length === 0 || stored.appendedCount === 0
    this.#options = options
    this.#deps = deps
    this.#presence = new PresenceTable<Peer>({
      maxStateBytes: options.maxAwarenessStateBytes,
      validate: options.validatePresence,
    })
    this.#deletedAt = stored.deletedAt
    this.#presenceOut = new PresenceBatcher(
      options.presenceIntervalMs,
      (update) => this.#broadcast(encodeAwarenessMessage(update), 'awareness', null),
      timers,
    )
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
    if (!this.#storedIsState) this.#docNow()
  }

  /** The document, built from what is stored if it is not yet. */
  #docNow(): Y.Doc {
    if (this.#doc !== null) return this.#doc
    if (this.#failed !== null) throw this.#failed
    // A guid of its own: the default one is a random UUID, which costs more than the rest of
    // building an empty document (a server opens thousands).
    const doc = new Y.Doc({ gc: true, guid: this.name })
    try {
      if (this.#stored !== null) Y.applyUpdate(doc, this.#stored)
    } catch (cause) {
      // What is stored does not decode: as a failed load, nobody gets this room; it stays
      // on disk as it is.
      doc.destroy()
      this.#deps.metrics.roomLoadFailures.inc()
      this.#deps.logger.error({ err: cause, room: this.name }, 'the stored document does not load')
      this.#failed = new RoomFailedError(`stored document ${this.name} does not load`, { cause })
      throw this.#failed
    }
    if (!this.#storedIsState) this.#stored = null
    this.#doc = doc
    // What a transaction actually integrated — never duplicates, never structs still waiting
    // for their dependencies — is what gets stored and relayed.
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (this.#storedIsState) {
        // From now on new clients are answered from the document.
        this.#storedIsState = false
        this.#stored = null
      }
      this.#persistence.add(update, origin as Origin)
    })
    const waiting = this.#awaitingStep1
    this.#awaitingStep1 = null
    if (waiting !== null) {
      const step1 = encodeSyncStep1(Y.encodeStateVector(doc))
      for (const peer of waiting) if (this.#peers.has(peer)) peer.send(step1, 'sync-step1')
    }
    return doc
  }

  /**
   * Build the document a little later (`BUILD_AFTER_JOIN_MS`). A joining client sends its
   * sync step 1 at once; it is answered from the stored bytes, and building the document
   * (which holds the event loop: ~100 ms for a 300 KB document) must not stall the rest of
   * that answer still being written to the socket. An update that arrives first builds it
   * at once (`#docNow`).
   */
  #buildLater(): void {
    if (this.#buildScheduled) return
    this.#buildScheduled = true
    const timer = setTimeout(() => {
      if (this.#failed !== null || this.#destroyed) return
      try {
        this.#docNow()
      } catch {
        // Logged and counted by #docNow; the room is failed.
        this.closePeers(CloseCode.internalError, 'document could not be loaded')
      }
    }, BUILD_AFTER_JOIN_MS)
    timer.unref()
  }

  /** Whether nothing was ever stored or applied for this document. */
  get isEmpty(): boolean {
    // Not built yet: empty exactly when nothing is stored.
    return this.#doc === null ? this.#stored === null : this.#doc.store.clients.size === 0
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
    if (this.#doc !== null) {
      peer.send(encodeSyncStep1(Y.encodeStateVector(this.#doc)), 'sync-step1')
    } else if (this.#stored === null) {
      peer.send(encodeSyncStep1(EMPTY_STATE_VECTOR), 'sync-step1')
    } else {
      // The state vector needs the document: the peer gets it once that is built.
      this.#awaitingStep1 ??= new Set()
      this.#awaitingStep1.add(peer)
      this.#buildLater()
    }
    const states = this.#presence.entries()
    if (states.length > 0) {
      peer.send(encodeAwarenessMessage(encodeAwarenessUpdate(states)), 'awareness')
    }
  }

  /** Remove a peer, and for everyone else the presence states it introduced. */
  leave(peer: Peer): void {
    if (!this.#peers.delete(peer)) return
    this.#presenceOut.offer(this.#presence.removeOwner(peer))
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
        this.#applyAwareness(peer, message.update)
        return
      case 'query-awareness':
        peer.send(
          encodeAwarenessMessage(encodeAwarenessUpdate(this.#presence.entries())),
          'awareness',
        )
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
    this.#destroyed = true
    this.#presenceOut.dispose()
    this.#versions.dispose()
    this.#persistence.stop()
    this.#peers.clear()
    this.#doc?.destroy()
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
    if (this.#storedIsState && isEmptyStateVector(stateVector)) {
      // Nothing changed since the load, and the client holds nothing: the stored state is
      // exactly the answer (and nothing is waiting to be stored).
      peer.send(encodeSyncStep2(this.#stored ?? EMPTY_UPDATE), 'sync-step2')
      if (this.#doc === null && this.#stored !== null) this.#buildLater()
      return
    }
    let diff: Uint8Array
    try {
      diff = Y.encodeStateAsUpdate(this.#docNow(), stateVector)
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

  #applyAwareness(peer: Peer, update: Uint8Array): void {
    let entries = decodeAwarenessUpdate(update)
    const received = entries.length
    const user = peer.grant.user
    if (user !== null) {
      // Announcing a client id binds it to the user, as writing with it does.
      const newOwners = new Map<number, string>()
      entries = entries.filter((entry) => this.#guard.claim(entry.clientId, user, newOwners))
      this.#deps.metrics.awarenessDropped.inc(
        { reason: 'foreign-client' },
        received - entries.length,
      )
      this.#persistence.addOwners(newOwners)
    }
    const rewrite = user === null ? undefined : identityRewrite(user, peer.grant.displayName)
    const { accepted, dropped } = this.#presence.apply(peer, entries, rewrite)
    for (const { reason } of dropped) {
      if (reason !== 'stale') this.#deps.metrics.awarenessDropped.inc({ reason })
    }
    if (accepted.length === 0) return
    // Relay the client's bytes as they are unless something in them was dropped. The sender
    // gets its own update back, as from the reference server: y-websocket clients reconnect
    // when they receive nothing for 30 s, and their awareness renewal (every 15 s) is what a
    // client alone in a room receives.
    const unchanged =
      accepted.length === entries.length && accepted.every((e, i) => e === entries[i])
    this.#presenceOut.offer(accepted, unchanged ? update : undefined)
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

/** The distinct users behind `origins` (none when authentication is off). */
function usersOf(origins: readonly Origin[]): string[] {
  const users = new Set<string>()
  for (const origin of origins) {
    const user = origin instanceof ServerChange ? origin.user : origin.grant.user
    if (user !== null) users.add(user)
  }
  return [...users]
}

/**
 * With authentication on, the identity others see comes from the token: `user.id` is the
 * token's subject and `user.name` its `name` claim (or the subject), whatever the client
 * put there. Other fields (colour, cursor) stay the client's.
 */
function identityRewrite(user: string, displayName: string | null): PresenceRewrite {
  return (state) => {
    const claimed = state.user
    const base =
      claimed !== null && typeof claimed === 'object' && !Array.isArray(claimed) ? claimed : {}
    return { ...state, user: { ...base, id: user, name: displayName ?? user } }
  }
}
