/**
 * The presence (awareness) of one room: which socket owns which awareness client id, what
 * state each client last announced, and the batched broadcast of changes. Identity comes from
 * the token when authentication is on. Composed into `Room`.
 */
import type { Grant } from '../auth/grant.js'
import type { ServerMetrics } from '../metrics.js'
import {
  type AwarenessEntry,
  decodeAwarenessUpdate,
  encodeAwarenessUpdate,
} from '../protocol/awareness-codec.js'
import { encodeAwarenessMessage } from '../protocol/codec.js'
import { PresenceBatcher } from './presence-batcher.js'
import { type PresenceRewrite, PresenceTable, type PresenceValidator } from './presence-table.js'

/** What presence needs to know of a socket. */
export interface PresenceOwner {
  readonly grant: Grant
}

/** Settings of a room's presence. */
export interface RoomPresenceOptions {
  /** Largest presence state relayed, in bytes of JSON. */
  readonly maxAwarenessStateBytes: number
  /** Presence broadcasts within this interval of the last one are batched (see PresenceBatcher). */
  readonly presenceIntervalMs: number
  /** Shape check of presence states (for example `parsePresence` from `@weft/awareness`). */
  readonly validatePresence?: PresenceValidator | undefined
}

/** What a room's presence uses. */
export interface RoomPresenceDeps {
  readonly metrics: ServerMetrics
  /**
   * Bind an awareness client id to `user` (as writing with it does), recording new bindings
   * in `newOwners`; false when another user owns it.
   */
  claim(clientId: number, user: string, newOwners: Map<number, string>): boolean
  /** Store new client-id bindings. */
  addOwners(owners: ReadonlyMap<number, string>): void
  /** Send an awareness frame to every peer of the room. */
  broadcast(frame: Uint8Array): void
}

/** Real timers for the presence batcher. */
const timers = {
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
}

/** The presence of one room; see the module comment. */
export class RoomPresence<Owner extends PresenceOwner> {
  readonly #table: PresenceTable<Owner>
  /** Every presence broadcast goes through it (removals too, so none overtakes a state). */
  readonly #out: PresenceBatcher
  readonly #deps: RoomPresenceDeps

  constructor(options: RoomPresenceOptions, deps: RoomPresenceDeps) {
    this.#deps = deps
    this.#table = new PresenceTable<Owner>({
      maxStateBytes: options.maxAwarenessStateBytes,
      validate: options.validatePresence,
    })
    this.#out = new PresenceBatcher(
      options.presenceIntervalMs,
      (update) => deps.broadcast(encodeAwarenessMessage(update)),
      timers,
    )
  }

  /** Every present state, as one awareness frame; null when nobody is present. */
  statesFrame(): Uint8Array | null {
    const states = this.#table.entries()
    return states.length === 0 ? null : encodeAwarenessMessage(encodeAwarenessUpdate(states))
  }

  /** The answer to a query-awareness: every present state (possibly none). */
  queryAnswer(): Uint8Array {
    return encodeAwarenessMessage(encodeAwarenessUpdate(this.#table.entries()))
  }

  /** `owner` left: broadcast the removal of every client id it introduced. */
  leave(owner: Owner): void {
    this.#out.offer(this.#table.removeOwner(owner))
  }

  /**
   * Apply an awareness update from `owner` and relay what is accepted.
   *
   * @throws {ProtocolError} when the update does not decode.
   */
  apply(owner: Owner, update: Uint8Array): void {
    let entries: AwarenessEntry[] = decodeAwarenessUpdate(update)
    const received = entries.length
    const { metrics } = this.#deps
    const user = owner.grant.user
    if (user !== null) {
      // Announcing a client id binds it to the user, as writing with it does.
      const newOwners = new Map<number, string>()
      entries = entries.filter((entry) => this.#deps.claim(entry.clientId, user, newOwners))
      metrics.awarenessDropped.inc({ reason: 'foreign-client' }, received - entries.length)
      this.#deps.addOwners(newOwners)
    }
    const rewrite = user === null ? undefined : identityRewrite(user, owner.grant.displayName)
    const { accepted, dropped } = this.#table.apply(owner, entries, rewrite)
    for (const { reason } of dropped) {
      if (reason !== 'stale') metrics.awarenessDropped.inc({ reason })
    }
    if (accepted.length === 0) return
    // Relay the client's bytes as they are unless something in them was dropped. The sender
    // gets its own update back, as from the reference server: y-websocket clients reconnect
    // when they receive nothing for 30 s, and their awareness renewal (every 15 s) is what a
    // client alone in a room receives.
    const unchanged =
      accepted.length === entries.length && accepted.every((e, i) => e === entries[i])
    this.#out.offer(accepted, unchanged ? update : undefined)
  }

  /** Stop broadcasting (the room is going away). */
  dispose(): void {
    this.#out.dispose()
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
