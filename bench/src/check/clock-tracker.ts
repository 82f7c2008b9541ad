/**
 * What one receiving client has been delivered, per Yjs client: the clock up to which it holds
 * every struct. Delivery must be in order: a struct that starts past that clock means the
 * server dropped or reordered something, and the run fails. Duplicates (a server that echoes
 * an update to its sender, or re-sends state in a sync step 2) are fine. Pure.
 */
import * as Y from 'yjs'

/** An update that skipped clocks of a client: dropped or reordered upstream. */
export interface DeliveryGap {
  readonly client: number
  /** The clock the receiver was waiting for. */
  readonly expected: number
  /** The clock the struct started at. */
  readonly got: number
}

/** Called for each range of clocks `[from, to)` of `client` newly delivered. */
export type OnDelivered = (client: number, from: number, to: number) => void

/** Delivery accounting of one receiver; see the module comment. */
export class ClockTracker {
  readonly #self: number | null
  readonly #next = new Map<number, number>()
  #gap: DeliveryGap | null = null

  /** `self`: the receiver's own Yjs client id, whose echoes are ignored (or null). */
  constructor(self: number | null) {
    this.#self = self
  }

  /** The first gap seen, if any. */
  get gap(): DeliveryGap | null {
    return this.#gap
  }

  /** Clock up to which everything of `client` was delivered. */
  clockOf(client: number): number {
    return this.#next.get(client) ?? 0
  }

  /**
   * Account for one received update (v1 encoding). Returns the gap it showed, or null.
   *
   * @throws {Error} when the update does not decode.
   */
  accept(update: Uint8Array, onDelivered: OnDelivered): DeliveryGap | null {
    const { structs } = Y.decodeUpdate(update)
    let gap: DeliveryGap | null = null
    for (const struct of structs) {
      if (struct instanceof Y.Skip) continue
      const client = struct.id.client
      if (client === this.#self) continue
      const from = struct.id.clock
      const to = from + struct.length
      const next = this.#next.get(client) ?? 0
      if (from > next) {
        gap ??= { client, expected: next, got: from }
        continue
      }
      if (to <= next) continue
      this.#next.set(client, to)
      onDelivered(client, next, to)
    }
    if (gap !== null) this.#gap ??= gap
    return gap
  }
}
