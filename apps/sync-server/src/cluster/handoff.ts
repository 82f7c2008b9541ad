/**
 * Hand-off: moving documents to their owner when the membership changes, without losing an
 * edit. The protocol (written down in docs/ARCHITECTURE.md):
 *
 * - **Gather before serving.** Before an owner loads a document into memory, it asks every
 *   node it has a link to to `take` it: a node holding a copy closes that room's sockets
 *   (4503, frames already sent are still taken), stores everything, and answers with its whole
 *   stored state, the ids of its versions and its tombstone. The owner stores the state, then
 *   fetches each version (`version`, one per request) and stores it (`copy-intake.ts`), and
 *   only then loads and serves the room. It then sends `commit`, and the holder deletes its
 *   copy, versions and tombstone included, so a copy is deleted only once the new owner has
 *   all of it on disk. A node that thinks it owns the document itself refuses: the
 *   load fails with 1013 until the views agree, so two nodes never serve one document while
 *   they can talk to each other.
 * - **Offer what is not yours.** When the view changes or a link opens, each node scans what
 *   it holds (in memory, stored documents and tombstones) and `offer`s every document another
 *   node owns to that node, which takes it (into the live room if it is loaded). Failed offers
 *   are retried with back-off; the copy stays until a commit. Expired tombstones of documents
 *   others own are dropped instead.
 *
 * Yjs merges are idempotent and commutative, so a state sent twice, or merged into a room that
 * already has part of it, changes nothing; versions already stored are recognised by what
 * they record and not stored again (`version-import.ts`).
 */
import type { Logger } from 'pino'
import type { ServerMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import { type Room, RoomFailedError } from '../room/room.js'
import { type RoomHold, RoomUnavailableError } from '../room/room-registry.js'
import type { DocStore, NewVersion } from '../storage/doc-store.js'
import { KeyedSerializer } from '../storage/keyed-serializer.js'
import { CopyGiver } from './copy-giver.js'
import {
  CopyDeferredError,
  type IntakeDeps,
  type IntakeResult,
  mergeCopy,
  StaleCopyError,
  storeCopy,
} from './copy-intake.js'
import { HISTORY_REVISION, type LinkRequest, type LinkResponse } from './link-codec.js'
import type { Membership } from './membership.js'
import { PeerUnreachableError } from './membership.js'
import { LinkRequestError } from './node-link.js'

/** What the hand-off needs from the rooms of this node. */
export interface HandoffRooms {
  /** Whether the document is in memory. */
  has(doc: string): boolean
  /** Names of the documents in memory. */
  names(): Iterable<string>
  /** Hold the room, loading it (and gathering it first) if needed. */
  acquire(doc: string): RoomHold
  /**
   * Tell the document's sockets it moved (4503; frames they already sent are still taken),
   * store everything and unload the room.
   */
  evict(doc: string): Promise<void>
  /** Drop a room that failed (its clients reconnect; it reloads from storage). */
  discard(room: Room): void
  /** Store and unload the room now if nobody holds it. */
  unloadIfUnused(doc: string): void
}

/** What the hand-off reports. */
export type HandoffEvent =
  /** This node stored `from`'s copy of `doc`. */
  | { readonly kind: 'taken'; readonly doc: string; readonly from: string }
  /** This node deleted its copy of `doc`: its new owner has it on disk. */
  | { readonly kind: 'given'; readonly doc: string }
  /**
   * A scan ended (`Handoff.settled` is up to date); `foreign` documents held here still belong
   * elsewhere.
   */
  | { readonly kind: 'scanned'; readonly foreign: number }

/** Services of the hand-off. */
export interface HandoffDeps {
  readonly membership: Membership
  readonly store: DocStore
  readonly rooms: HandoffRooms
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** The current time (the rooms' clock), for tombstones. */
  readonly now: () => number
  readonly onEvent: (event: HandoffEvent) => void
}

/** Settings of the hand-off. */
export interface HandoffOptions {
  /** Deadline of one request to a peer. */
  readonly timeoutMs: number
  /** Offers in flight at once during a scan. */
  readonly concurrency: number
  /** `--tombstone-ttl`: how long a deleted document's tombstone counts. */
  readonly tombstoneMs: number
}

const MIN_RETRY_MS = 500
const MAX_RETRY_MS = 30_000

/** The hand-off of one node; see the module comment. */
export class Handoff {
  readonly #options: HandoffOptions
  readonly #deps: HandoffDeps
  /** The holder's side: this node's copies given to their owners. */
  readonly #giver: CopyGiver
  /** Per document, as new owner: copies from several holders are stored one at a time. */
  readonly #intake = new KeyedSerializer()
  /** Documents held here that another node owns, as of the last scan. */
  readonly #foreign = new Set<string>()
  /**
   * Documents deleted here since the running scan began: one it read from storage just before
   * its copy was committed must not be counted as foreign again (and retried) by that scan.
   */
  readonly #goneDuringScan = new Set<string>()
  #scanning: Promise<void> | null = null
  #rescan = false
  #retryTimer: NodeJS.Timeout | null = null
  #retryMs = MIN_RETRY_MS
  #stopped = false
  /** A scan completed since the last request for one. */
  #scanned = false

  constructor(options: HandoffOptions, deps: HandoffDeps) {
    this.#options = options
    this.#deps = deps
    this.#giver = new CopyGiver(options, {
      ...deps,
      onGiven: (doc) => {
        this.#forget(doc)
        deps.onEvent({ kind: 'given', doc })
      },
      onDropped: (doc) => this.#forget(doc),
    })
  }

  /** Documents stored here that another node owns, still to be handed over. */
  get foreignCount(): number {
    return this.#foreign.size
  }

  /**
   * Whether the last scan saw the current view and left nothing to retry: then
   * `foreignCount` is up to date, and 0 means this node holds only what it owns.
   */
  get settled(): boolean {
    return this.#scanned && this.#scanning === null && !this.#rescan && this.#retryTimer === null
  }

  /**
   * Before `doc` is loaded here: take every reachable node's copy and store it. Resolves when
   * they are all stored (at once without peers).
   *
   * @throws {RoomUnavailableError} when a peer refuses (it thinks it owns `doc`) or fails, or
   * when this node does not own `doc` (any more).
   */
  async gather(doc: string): Promise<void> {
    const { membership } = this.#deps
    if (membership.ownerOf(doc) !== membership.self) {
      // A socket accepted while this node still owned the document, now joining after the
      // view changed (and the room was handed over): it must go to the new owner.
      throw new RoomUnavailableError('document moved to another node; reconnect', {
        closeCode: CloseCode.documentMoved,
      })
    }
    const peers = membership.linkedPeers()
    if (peers.length === 0) return
    const results = await Promise.allSettled(peers.map((peer) => this.#takeFrom(peer, doc, null)))
    const failed = results.find((r) => r.status === 'rejected')
    if (failed !== undefined) {
      throw new RoomUnavailableError(
        'the document is being handed over between nodes; try again shortly',
        { cause: failed.reason },
      )
    }
  }

  /** A room for `doc` was loaded here: a copy given out before is no longer the latest. */
  roomLoaded(doc: string): void {
    this.#giver.invalidate(doc)
  }

  /** Answer a peer's hand-off request. */
  answer(from: string, request: LinkRequest): Promise<LinkResponse> {
    switch (request.op) {
      case 'take':
        return this.#giver.give(from, request.doc)
      case 'commit':
        return this.#giver.commit(from, request.doc, request.token)
      case 'offer':
        return this.#absorb(from, request.doc)
      case 'version':
        return this.#giver.sendVersion(request.doc, request.token, request.id)
      case 'revoke':
      case 'revocations':
      case 'list':
        return Promise.reject(new Error(`${request.op} is not a hand-off request`))
      default: {
        const unreachable: never = request
        return Promise.reject(new Error(`unknown request ${JSON.stringify(unreachable)}`))
      }
    }
  }

  /** Scan what this node holds and offer what others own (coalesced; safe to call often). */
  rebalance(): void {
    if (this.#stopped || !this.#deps.membership.clustered) return
    this.#scanned = false
    if (this.#scanning !== null) {
      this.#rescan = true
      return
    }
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
    this.#scanning = this.#scan()
      .then(() => {
        this.#scanned = true
      })
      .catch((error: unknown) => {
        this.#deps.logger.error({ err: error }, 'hand-off scan failed; retrying')
        this.#scheduleRetry()
      })
      .finally(() => {
        this.#scanning = null
        if (this.#rescan) {
          this.#rescan = false
          this.rebalance()
        } else {
          // After the state above, so `settled` is current for whoever listens.
          this.#deps.onEvent({ kind: 'scanned', foreign: this.#foreign.size })
        }
      })
  }

  /** Resolves when no scan is running (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.#scanning !== null) await this.#scanning
  }

  /** Stop scanning and retrying. */
  stop(): void {
    this.#stopped = true
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
  }

  /** Ask `peer` for its copy of `doc` and store it (into `room` when the room is loaded). */
  async #takeFrom(peer: string, doc: string, room: Room | null): Promise<void> {
    const { membership, metrics, logger } = this.#deps
    let response: LinkResponse
    try {
      // The holder may first have to close a room's sockets and store it: allow for that.
      response = await membership.request(peer, { op: 'take', doc }, this.#options.timeoutMs * 2)
    } catch (error) {
      if (goneAway(error)) return
      metrics.handoffFailures.inc({ reason: 'error' })
      throw error
    }
    if (response.op !== 'take') throw new Error(`peer answered take with ${response.op}`)
    if (response.result === 'none') return
    if (response.result === 'refused') {
      metrics.handoffFailures.inc({ reason: 'refused' })
      throw new Error(`${peer} thinks ${response.owner} owns the document`)
    }
    const { token } = response
    let result: IntakeResult
    try {
      result = await this.#intake.run(doc, () => {
        const deps = this.#intakeDeps(peer, doc, token)
        return room === null ? storeCopy(doc, response, deps) : mergeCopy(room, response, deps)
      })
    } catch (error) {
      // Gone mid-way: what arrived is stored; the rest comes with its next offer.
      if (goneAway(error)) return
      if (error instanceof RoomFailedError && room !== null) this.#deps.rooms.discard(room)
      metrics.handoffFailures.inc({
        reason: error instanceof CopyDeferredError ? 'deferred' : 'error',
      })
      throw error
    }
    metrics.handoffs.inc({ direction: 'taken' })
    logger.debug(
      { room: doc, from: peer, bytes: result.bytes, versions: result.versions },
      'document taken over',
    )
    this.#deps.onEvent({ kind: 'taken', doc, from: peer })
    if (!result.complete) {
      logger.warn(
        { room: doc, peer },
        'part of a handed-over copy did not arrive; the holder keeps it and offers it again',
      )
      return
    }
    if (membership.peerProtocol(peer) < HISTORY_REVISION) {
      // An older release sends no versions or tombstone: a commit would delete them unseen.
      logger.warn(
        { room: doc, peer },
        'copy taken from a node of an older release; it keeps its copy until it is upgraded',
      )
      return
    }
    // Stored: the holder may delete its copy. If this is lost it keeps the copy and offers it
    // again later, which is harmless.
    membership.request(peer, { op: 'commit', doc, token }).catch((error) => {
      logger.warn({ err: error, room: doc, peer }, 'hand-off commit not delivered; will retry')
    })
  }

  /** How `copy-intake.ts` fetches versions of `peer`'s copy of `doc` (given with `token`). */
  #intakeDeps(peer: string, doc: string, token: number): IntakeDeps {
    const { membership, metrics, store, logger } = this.#deps
    return {
      store,
      metrics,
      now: this.#deps.now,
      tombstoneMs: this.#options.tombstoneMs,
      fetchVersion: async (id): Promise<NewVersion | null> => {
        const answer = await membership.request(peer, { op: 'version', doc, token, id })
        if (answer.op !== 'version') throw new Error(`peer answered version with ${answer.op}`)
        if (answer.result !== 'content') {
          if (answer.result === 'gone') return null
          throw new StaleCopyError(`${peer} loaded ${doc} again`)
        }
        const { createdAt, label, kind, content } = answer
        return { createdAt, label, kind, content }
      },
      onVersionFailed: (id, error) => {
        metrics.handoffVersions.inc({ result: 'failed' })
        metrics.handoffFailures.inc({ reason: 'error' })
        logger.error({ err: error, room: doc, peer, version: id }, 'a version could not be moved')
      },
    }
  }

  /** `from` holds `doc`, which this node owns: take its copy. */
  async #absorb(from: string, doc: string): Promise<LinkResponse> {
    const { membership, rooms } = this.#deps
    if (membership.ownerOf(doc) !== membership.self) return { op: 'offer', result: 'not-owner' }
    const hold = rooms.acquire(doc)
    try {
      // A fresh load gathers from every linked node, `from` included; a room that was
      // already loaded gets `from`'s copy merged in now (nothing if the gather took it).
      const room = await hold.ready
      await this.#takeFrom(from, doc, room)
    } finally {
      hold.release()
      // Loaded only to take the copy in: do not keep thousands of moved rooms in memory.
      rooms.unloadIfUnused(doc)
    }
    return { op: 'offer', result: 'absorbed' }
  }

  async #scan(): Promise<void> {
    const { membership, rooms, store, metrics, logger } = this.#deps
    const self = membership.self
    this.#foreign.clear()
    this.#goneDuringScan.clear()
    const note = (name: string): void => {
      if (membership.ownerOf(name) !== self && !this.#goneDuringScan.has(name)) {
        this.#foreign.add(name)
      }
    }
    for (const name of rooms.names()) note(name)
    let after: string | undefined
    do {
      const page = await store.list(after === undefined ? { limit: 500 } : { after, limit: 500 })
      for (const { name } of page.docs) note(name)
      after = page.next
    } while (after !== undefined && !this.#stopped)
    // A deleted document is only a tombstone: it moves too (its new owner must go on refusing
    // stale clients), unless it expired.
    const expired: string[] = []
    after = undefined
    do {
      const page = await store.listTombstones(
        after === undefined ? { limit: 500 } : { after, limit: 500 },
      )
      for (const { name, deletedAt } of page.tombstones) {
        if (membership.ownerOf(name) === self || this.#foreign.has(name)) continue
        if (this.#giver.live(deletedAt) === null) expired.push(name)
        else note(name)
      }
      after = page.next
    } while (after !== undefined && !this.#stopped)
    for (const name of expired) await this.#giver.dropIfExpired(name)
    metrics.foreignDocuments.set(this.#foreign.size)
    if (this.#foreign.size === 0) {
      this.#retryMs = MIN_RETRY_MS
      return
    }
    logger.info({ documents: this.#foreign.size }, 'offering documents to their owners')
    let failures = 0
    const queue = [...this.#foreign]
    const worker = async (): Promise<void> => {
      for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
        if (this.#stopped) return
        if (this.#goneDuringScan.has(doc)) continue // Committed meanwhile.
        const owner = membership.ownerOf(doc)
        if (owner === self) {
          this.#foreign.delete(doc)
          continue
        }
        try {
          const response = await membership.request(
            owner,
            { op: 'offer', doc },
            this.#options.timeoutMs * 3,
          )
          if (response.op !== 'offer' || response.result !== 'absorbed') failures++
        } catch (error) {
          failures++
          metrics.handoffFailures.inc({
            reason: error instanceof PeerUnreachableError ? 'unreachable' : 'error',
          })
          logger.debug({ err: error, room: doc, owner }, 'offer failed; will retry')
        }
      }
    }
    await Promise.all(Array.from({ length: this.#options.concurrency }, worker))
    metrics.foreignDocuments.set(this.#foreign.size)
    if (failures > 0 || this.#foreign.size > 0) this.#scheduleRetry()
    else this.#retryMs = MIN_RETRY_MS
  }

  /** `doc` is not held here any more. */
  #forget(doc: string): void {
    this.#foreign.delete(doc)
    if (this.#scanning !== null) this.#goneDuringScan.add(doc)
    this.#deps.metrics.foreignDocuments.set(this.#foreign.size)
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer !== null) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.rebalance()
    }, this.#retryMs)
    this.#retryTimer.unref()
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS)
  }
}

/** A peer that went away is like one that was never reachable: its copy comes with its offer. */
function goneAway(error: unknown): boolean {
  return (
    error instanceof PeerUnreachableError ||
    (error instanceof LinkRequestError && error.reason === 'closed')
  )
}
