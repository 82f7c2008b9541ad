/** Exponential back-off with jitter and a cap, for webhook delivery retries. Pure. */

/** Bounds of the back-off. */
export interface BackoffOptions {
  /** Delay after the first failure (before jitter). */
  readonly minMs: number
  /** Largest delay. */
  readonly maxMs: number
}

/**
 * The delay before the next attempt after `failures` consecutive failures (1 or more):
 * `minMs · 2^(failures-1)` capped at `maxMs`, then jittered down to between half and all of
 * it ("equal jitter"), so receivers coming back are not hit by every server at once while
 * the wait still grows. `random` returns a number in [0, 1).
 *
 * @example
 * retryDelayMs(3, { minMs: 1000, maxMs: 60_000 }, Math.random) // 2000–4000
 */
export function retryDelayMs(
  failures: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 52)
  const ceiling = Math.min(options.maxMs, options.minMs * 2 ** exponent)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
