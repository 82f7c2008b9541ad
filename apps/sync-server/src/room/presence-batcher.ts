/**
 * Coalesces a room's presence broadcasts. The first update after a quiet interval goes out at
 * once; updates that arrive within `intervalMs` of the last broadcast are merged (the newest
 * state per client wins, removals included) and go out together when the interval ends. So a
 * busy room sends each peer at most `1000 / intervalMs` presence frames a second however many
 * of its clients move their cursors, and a quiet room adds no delay.
 *
 * Why: every presence update is sent to every peer. With 200 clients moving cursors at 2 Hz
 * that is 80,000 frames a second; batched per 50 ms, 4,000.
 */
import {
  type AwarenessEntry,
  encodeAwarenessUpdate,
  keepNewest,
} from '../protocol/awareness-codec.js'

/** Clock and timer, injected so tests can drive them. */
export interface BatchClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Batches one room's presence broadcasts; see the module comment. */
export class PresenceBatcher {
  readonly #intervalMs: number
  readonly #broadcast: (update: Uint8Array) => void
  readonly #clock: BatchClock
  #held: Map<number, AwarenessEntry> | null = null
  #timer: unknown = null
  #lastSentAt = Number.NEGATIVE_INFINITY

  constructor(intervalMs: number, broadcast: (update: Uint8Array) => void, clock: BatchClock) {
    this.#intervalMs = intervalMs
    this.#broadcast = broadcast
    this.#clock = clock
  }

  /**
   * Broadcast `entries` now, or with the next batch. `encoded` is their encoding when the
   * caller already has it (a client's update relayed as it came).
   */
  offer(entries: readonly AwarenessEntry[], encoded?: Uint8Array): void {
    if (entries.length === 0) return
    const now = this.#clock.now()
    if (this.#held === null && now - this.#lastSentAt >= this.#intervalMs) {
      this.#lastSentAt = now
      this.#broadcast(encoded ?? encodeAwarenessUpdate(entries))
      return
    }
    const held = this.#held ?? new Map<number, AwarenessEntry>()
    this.#held = held
    keepNewest(held, entries)
    if (this.#timer === null) {
      const wait = Math.max(0, this.#lastSentAt + this.#intervalMs - now)
      this.#timer = this.#clock.setTimeout(() => this.#flush(), wait)
    }
  }

  /** Send what is held now (for example before the room goes away). */
  flush(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#flush()
  }

  /** Forget what is held and stop the timer. */
  dispose(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#held = null
  }

  #flush(): void {
    this.#timer = null
    const held = this.#held
    if (held === null) return
    this.#held = null
    this.#lastSentAt = this.#clock.now()
    this.#broadcast(encodeAwarenessUpdate(held.values()))
  }
}
