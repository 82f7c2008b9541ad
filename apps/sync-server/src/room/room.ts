/**
 * One document being edited: a Y.Doc, its presence table, its peers and its write path,
 * composed (a room has a Y.Doc; it is not one).
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { Grant } from '../auth/grant.js'
import type { ServerMetrics } from '../metrics.js'
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
import type { DocStore } from '../storage/doc-store.js'
import { ApplyFailedError, DocGuard, type DocGuardOptions } from './doc-guard.js'
import { mergeUpdates } from './merge-updates.js'
import { PresenceBatcher } from './presence-batcher.js'
import { type PresenceRewrite, PresenceTable, type PresenceValidator } from './presence-table.js'
import { type DurableBatch, type PersistenceOptions, RoomPersistence } from './room-persistence.js'

/** What a room needs from a connected client. */
export interface Peer {
  /** Short id for logs. */
  readonly id: string
  /** What the client may do; with a user, its identity replaces the one in its presence. */
  readonly grant: Grant
  /** Send one frame; a peer that cannot take it closes itself. */
  send(frame: Uint8Array): void
  /** Close the peer's connection with a close code and reason. */
  close(code: number, reason: string): void
}

/** Room settings, from the server config. */
export interface RoomOptions extends PersistenceOptions, DocGuardOptions {
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
}

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
 * How long a room with a stored snapshot waits for a joining client's sync step 1 before it
 * builds the document anyway (to send the client the room's own step 1).
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
  readonly #persistence: RoomPersistence<Peer>
  readonly #guard: DocGuard<Peer>
  #failed: RoomFailedError | null = null
  #destroyed = false

  constructor(
    name: string,
    options: RoomOptions,
    deps: RoomDeps,
    stored: {
      updates: readonly Uint8Array[]
      snapshotBytes: number
      appendedCount: number
      appendedBytes: number
      clientOwners: ReadonlyMap<number, string>
    },
  ) {
    this.name = name
    this.#stored = stored.updates.length === 0 ? null : mergeUpdates(stored.updates)
    this.#storedIsState = stored.updates.length === 0 || stored.appendedCount === 0
    this.#options = options
    this.#deps = deps
    this.#presence = new PresenceTable<Peer>({
      maxStateBytes: options.maxAwarenessStateBytes,
      validate: options.validatePresence,
    })
    this.#presenceOut = new PresenceBatcher(
      options.presenceIntervalMs,
      (update) => this.#broadcast(encodeAwarenessMessage(update), null),
      timers,
    )
    this.#persistence = new RoomPersistence<Peer>(
      {
        name,
        store: deps.store,
        logger: deps.logger,
        metrics: deps.metrics,
        onDurable: (batch) => this.#relay(batch),
        snapshot: () => this.#guard.snapshot(),
      },
      options,
      stored,
    )
    this.#guard = new DocGuard<Peer>(() => this.#docNow(), options, stored.clientOwners)
    // Appended updates are answered from the document, not from the stored bytes.
    if (!this.#storedIsState) this.#docNow()
  }

  /** The document, built from what is stored if it is not yet. */
  #docNow(): Y.Doc {
    if (this.#doc !== null) return this.#doc
    if (this.#failed !== null) throw this.#failed
    const doc = new Y.Doc({ gc: true })
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
      this.#persistence.add(update, origin as Peer)
    })
    const waiting = this.#awaitingStep1
    this.#awaitingStep1 = null
    if (waiting !== null) {
      const step1 = encodeSyncStep1(Y.encodeStateVector(doc))
      for (const peer of waiting) if (this.#peers.has(peer)) peer.send(step1)
    }
    return doc
  }

  /**
   * Build the document after `delayMs` (0: once this turn's replies are out). A joining client
   * sends its sync step 1 at once; answering that from the stored bytes first, and building
   * after, keeps the build off the way to its step 2.
   */
  #buildSoon(delayMs: number): void {
    if (this.#buildScheduled && delayMs > 0) return
    this.#buildScheduled = true
    const build = (): void => {
      if (this.#failed !== null || this.#destroyed) return
      try {
        this.#docNow()
      } catch {
        // Logged and counted by #docNow; the room is failed.
        this.closePeers(CloseCode.internalError, 'document could not be loaded')
      }
    }
    if (delayMs === 0) setImmediate(build)
    else setTimeout(build, delayMs)
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
    this.#peers.add(peer)
    if (this.#doc !== null) {
      peer.send(encodeSyncStep1(Y.encodeStateVector(this.#doc)))
    } else if (this.#stored === null) {
      peer.send(encodeSyncStep1(EMPTY_STATE_VECTOR))
    } else {
      // The state vector needs the document: the peer gets it once that is built.
      this.#awaitingStep1 ??= new Set()
      this.#awaitingStep1.add(peer)
      this.#buildSoon(BUILD_AFTER_JOIN_MS)
    }
    const states = this.#presence.entries()
    if (states.length > 0) peer.send(encodeAwarenessMessage(encodeAwarenessUpdate(states)))
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
        peer.send(encodeAwarenessMessage(encodeAwarenessUpdate(this.#presence.entries())))
        return
      default: {
        const unreachable: never = message
        throw new Error(`unhandled message ${JSON.stringify(unreachable)}`)
      }
    }
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
    this.#destroyed = true
    this.#presenceOut.dispose()
    this.#persistence.stop()
    this.#peers.clear()
    this.#doc?.destroy()
  }

  #answerStep1(peer: Peer, stateVector: Uint8Array): void {
    if (this.#storedIsState && isEmptyStateVector(stateVector)) {
      // Nothing changed since the load, and the client holds nothing: the stored state is
      // exactly the answer (and nothing is waiting to be stored).
      peer.send(encodeSyncStep2(this.#stored ?? EMPTY_UPDATE))
      if (this.#doc === null && this.#stored !== null) this.#buildSoon(0)
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
    this.#persistence.afterDurable(() => peer.send(reply))
  }

  /** A read-only peer sent a change: drop it and tell the client (auth permission denied). */
  #denyUpdate(peer: Peer, update: Uint8Array): void {
    if (isEmptyUpdate(update)) return
    this.#deps.metrics.updatesDenied.inc()
    peer.send(encodePermissionDenied('read-only access: document updates are not accepted'))
  }

  #applyUpdate(peer: Peer, update: Uint8Array): void {
    if (isEmptyUpdate(update)) return
    if (this.#persistence.pendingBytes + update.byteLength > this.#options.maxPendingBytes) {
      throw new ProtocolError('STORAGE_BACKLOG', 'too many updates waiting to be stored')
    }
    const newOwners = new Map<number, string>()
    try {
      this.#guard.apply(
        update,
        { origin: peer, user: peer.grant.user },
        this.#persistence.storedBytes,
        newOwners,
      )
    } catch (error) {
      if (!(error instanceof ApplyFailedError)) throw error
      // It decoded but Yjs failed while integrating it: the document may be half-changed.
      // Its durable state is intact, so fail the room: its peers reconnect and it reloads.
      this.#failed = new RoomFailedError(`update from ${peer.id} failed to apply`, {
        cause: error.cause,
      })
      this.#deps.logger.error(
        { err: error.cause, room: this.name, peer: peer.id },
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

  #relay(batch: DurableBatch<Peer>): void {
    const { updates } = batch
    const update = mergeUpdates(updates)
    this.#broadcast(encodeSyncUpdate(update), batch.soleOrigin)
  }

  /** Send the same bytes to every peer but `skip`. */
  #broadcast(frame: Uint8Array, skip: Peer | null): void {
    for (const peer of this.#peers) {
      if (peer !== skip) peer.send(frame)
    }
  }
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
