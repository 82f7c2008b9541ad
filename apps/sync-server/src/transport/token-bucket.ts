/**
 * A token bucket: `ratePerSecond` tokens flow in, up to `burst`. Pure: the caller passes the
 * time, so it can be tested without clocks.
 */
export class TokenBucket {
  readonly #ratePerMs: number
  readonly #burst: number
  #tokens: number
  #updatedAt: number

  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    this.#ratePerMs = ratePerSecond / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#updatedAt = nowMs
  }

  /** Take `amount` tokens if there are that many; returns whether it did. */
  take(amount: number, nowMs: number): boolean {
    this.#refill(nowMs)
    if (this.#tokens < amount) return false
    this.#tokens -= amount
    return true
  }

  /** Milliseconds until `amount` tokens are available (0 if they are now). */
  waitMs(amount: number, nowMs: number): number {
    this.#refill(nowMs)
    return this.#tokens >= amount ? 0 : Math.ceil((amount - this.#tokens) / this.#ratePerMs)
  }

  #refill(nowMs: number): void {
    const elapsed = nowMs - this.#updatedAt
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs)
      this.#updatedAt = nowMs
    }
  }
}
