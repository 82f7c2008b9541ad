/**
 * Caps how often one socket's presence updates are relayed. Updates beyond the budget are not
 * dropped: they are merged (the newest state per client wins) and relayed as one update when
 * the budget allows, so the last cursor position always arrives.
 */
import {
  type AwarenessEntry,
  decodeAwarenessUpdate,
  encodeAwarenessUpdate,
  keepNewest,
} from '../protocol/awareness-codec.js'
import { TokenBucket } from './token-bucket.js'

/** Clock and timer, injected so the throttle can be driven by tests or the real ones. */
export interface ThrottleClock {
  now(): number
  setTimeout(callback: () => void, ms: number): { unref?(): unknown }
  clearTimeout(handle: unknown): void
}

/** Relays awareness updates of one socket at most `ratePerSecond` (burst twice that). */
export class AwarenessThrottle {
  readonly #bucket: TokenBucket
  readonly #deliver: (update: Uint8Array) => void
  readonly #clock: ThrottleClock
  #held: Map<number, AwarenessEntry> | null = null
  #timer: unknown = null

  constructor(ratePerSecond: number, deliver: (update: Uint8Array) => void, clock: ThrottleClock) {
    this.#clock = clock
    this.#bucket = new TokenBucket(ratePerSecond, ratePerSecond * 2, clock.now())
    this.#deliver = deliver
  }

  /**
   * Relay `update` now if the budget allows, else hold it for later.
   *
   * @throws {ProtocolError} when a held update does not decode.
   */
  offer(update: Uint8Array): void {
    if (this.#held === null && this.#bucket.take(1, this.#clock.now())) {
      this.#deliver(update)
      return
    }
    const held = this.#held ?? new Map<number, AwarenessEntry>()
    this.#held = held
    keepNewest(held, decodeAwarenessUpdate(update))
    this.#schedule()
  }

  /** Forget held updates and stop the timer. */
  dispose(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#held = null
  }

  #schedule(): void {
    if (this.#timer !== null) return
    const wait = Math.max(1, this.#bucket.waitMs(1, this.#clock.now()))
    const timer = this.#clock.setTimeout(() => {
      this.#timer = null
      const held = this.#held
      if (held === null) return
      if (!this.#bucket.take(1, this.#clock.now())) {
        this.#schedule()
        return
      }
      this.#held = null
      this.#deliver(encodeAwarenessUpdate(held.values()))
    }, wait)
    timer.unref?.()
    this.#timer = timer
  }
}
