/** Bounded waits for the generator: every wait has a deadline and says what it waited for. */

/** A wait that ran past its deadline. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError'
}

/** `promise`, or a `TimeoutError` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no result after ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

/** Resolves after `ms` (the generator paces load by time; tests never use this). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A progress counter with waiters: `reach(n)` resolves once `value >= n`. Scenario handlers
 * call `add` as deliveries arrive.
 */
export class Progress {
  #value = 0
  #waiters: { target: number; resolve: () => void }[] = []
  /** performance.now() of the last `add`. */
  lastChangeAt = performance.now()

  get value(): number {
    return this.#value
  }

  add(amount: number): void {
    if (amount === 0) return
    this.#value += amount
    this.lastChangeAt = performance.now()
    if (this.#waiters.length === 0) return
    const due = this.#waiters.filter((w) => w.target <= this.#value)
    if (due.length === 0) return
    this.#waiters = this.#waiters.filter((w) => w.target > this.#value)
    for (const waiter of due) waiter.resolve()
  }

  reach(target: number): Promise<void> {
    if (this.#value >= target) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ target, resolve }))
  }
}

/**
 * Wait until `progress` reaches `target`, giving up once it has not moved for `stallMs`, after
 * `maxMs` in all, or as soon as `hopeless()` says it never will (checked every 100 ms).
 * Resolves with whether the target was reached.
 */
export async function reachOrStall(
  progress: Progress,
  target: number,
  stallMs: number,
  maxMs: number,
  hopeless: () => boolean = () => false,
): Promise<boolean> {
  const started = performance.now()
  const reached = progress.reach(target).then(() => true)
  for (;;) {
    const now = performance.now()
    const left = Math.min(maxMs - (now - started), stallMs - (now - progress.lastChangeAt))
    if (progress.value >= target) return true
    if (left <= 0 || hopeless()) return false
    const done = await Promise.race([reached, delay(Math.min(left, 100)).then(() => false)])
    if (done) return true
  }
}
