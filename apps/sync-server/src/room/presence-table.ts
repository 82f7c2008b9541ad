/**
 * The presence (awareness) states of one room, and which socket introduced each client id.
 * Pure: no sockets, no timers. The server keeps no timeout of its own: a state lives while
 * the socket that introduced it is open, and the heartbeat closes dead sockets.
 */
import { type AwarenessEntry, REMOVED_STATE } from '../protocol/awareness-codec.js'

/** Why an entry of an incoming awareness update was not taken. */
export type PresenceDropReason = 'foreign-client' | 'invalid-state' | 'oversized-state' | 'stale'

/** Decides whether a presence state (parsed JSON, never `null`) may be relayed. */
export type PresenceValidator = (state: unknown) => boolean

/**
 * Rewrites a valid presence state before it is stored and relayed (for example to put the
 * authenticated user's identity in place of what the client claims).
 */
export type PresenceRewrite = (state: Record<string, unknown>) => Record<string, unknown>

/** Options of a presence table. */
export interface PresenceTableOptions {
  /** Largest accepted state, in bytes of JSON text. */
  readonly maxStateBytes: number
  /** Extra validation of a state's shape; every JSON value passes when absent. */
  readonly validate?: PresenceValidator | undefined
}

/** The outcome of applying one awareness update from one owner. */
export interface PresenceApplyResult {
  /** Entries that changed the table, in the order received: relay these. */
  readonly accepted: AwarenessEntry[]
  /** Entries refused, with the reason. `stale` ones are duplicates and harmless. */
  readonly dropped: { entry: AwarenessEntry; reason: PresenceDropReason }[]
}

interface Slot<Owner> {
  owner: Owner
  clock: number
  /** JSON text of the current state, or null once removed. */
  state: string | null
}

/**
 * Presence states of one room, each bound to the owner (socket) that first announced its
 * client id: another owner can neither change nor remove it.
 */
export class PresenceTable<Owner> {
  readonly #slots = new Map<number, Slot<Owner>>()
  readonly #options: PresenceTableOptions

  constructor(options: PresenceTableOptions) {
    this.#options = options
  }

  /**
   * Apply the entries of one awareness update sent by `owner`. `rewrite`, when given, may
   * change each valid state; accepted entries then carry the rewritten JSON.
   */
  apply(
    owner: Owner,
    entries: readonly AwarenessEntry[],
    rewrite?: PresenceRewrite,
  ): PresenceApplyResult {
    const accepted: AwarenessEntry[] = []
    const dropped: PresenceApplyResult['dropped'] = []
    for (const entry of entries) {
      const slot = this.#slots.get(entry.clientId)
      if (slot !== undefined && slot.owner !== owner) {
        dropped.push({ entry, reason: 'foreign-client' })
        continue
      }
      const removing = entry.state === REMOVED_STATE
      if (slot !== undefined) {
        // y-protocols' rule: a newer clock wins; at the same clock only a removal applies.
        const newer =
          entry.clock > slot.clock ||
          (entry.clock === slot.clock && removing && slot.state !== null)
        if (!newer) {
          dropped.push({ entry, reason: 'stale' })
          continue
        }
      }
      let state: string | null = null
      if (!removing) {
        const checked = this.#check(entry.state)
        if (typeof checked === 'string') {
          dropped.push({ entry, reason: checked })
          continue
        }
        state = rewrite === undefined ? entry.state : JSON.stringify(rewrite(checked.value))
      }
      if (slot === undefined) {
        this.#slots.set(entry.clientId, { owner, clock: entry.clock, state })
      } else {
        slot.clock = entry.clock
        slot.state = state
      }
      accepted.push(state === entry.state || state === null ? entry : { ...entry, state })
    }
    return { accepted, dropped }
  }

  /**
   * Forget every client id `owner` introduced. Returns the removal entries to broadcast
   * (clock + 1, state `null`) for those that still had a state, so no ghost cursor stays.
   */
  removeOwner(owner: Owner): AwarenessEntry[] {
    const removals: AwarenessEntry[] = []
    for (const [clientId, slot] of this.#slots) {
      if (slot.owner !== owner) continue
      this.#slots.delete(clientId)
      if (slot.state !== null) {
        removals.push({ clientId, clock: slot.clock + 1, state: REMOVED_STATE })
      }
    }
    return removals
  }

  /** Every present state, for a client that just joined or asked. */
  entries(): AwarenessEntry[] {
    const list: AwarenessEntry[] = []
    for (const [clientId, slot] of this.#slots) {
      if (slot.state !== null) list.push({ clientId, clock: slot.clock, state: slot.state })
    }
    return list
  }

  /** Number of client ids with a present state. */
  get size(): number {
    let n = 0
    for (const slot of this.#slots.values()) if (slot.state !== null) n++
    return n
  }

  /** The parsed state, or why it is refused. */
  #check(json: string): { value: Record<string, unknown> } | PresenceDropReason {
    // JSON text is at most 3 bytes per UTF-16 unit; only measure exactly near the limit.
    if (json.length * 3 > this.#options.maxStateBytes) {
      if (Buffer.byteLength(json, 'utf8') > this.#options.maxStateBytes) return 'oversized-state'
    }
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch {
      // Not swallowed: the caller counts and logs the `invalid-state` drop.
      return 'invalid-state'
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'invalid-state'
    const validate = this.#options.validate
    if (validate !== undefined && !validate(value)) return 'invalid-state'
    return { value: value as Record<string, unknown> }
  }
}
