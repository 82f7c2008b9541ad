/**
 * Throttling of cursor updates. Selections change on every key and mouse move; sending each
 * one costs every peer a message. The throttle sends the first change at once, then at most
 * one per interval, and always the latest value last (trailing edge), so a peer's view of a
 * cursor is never stale for longer than one interval.
 *
 * The package has no timers: `nextSendDelay` is the pure rule, and `createThrottle` takes
 * the clock and scheduler as dependencies.
 */

/**
 * How long to wait before sending, given when the last send happened.
 *
 * @param lastSentAt time of the last send, or null if nothing was sent yet.
 * @param now current time, same unit and clock as `lastSentAt`.
 * @param intervalMs minimum time between two sends.
 * @returns 0 to send now, else the milliseconds until sending is allowed.
 */
export function nextSendDelay(lastSentAt: number | null, now: number, intervalMs: number): number {
  if (lastSentAt === null || now < lastSentAt) return 0 // a clock that went back: do not stall
  return Math.max(0, lastSentAt + intervalMs - now)
}

/** The time source and scheduler a throttle uses (e.g. `Date.now` and `setTimeout`). */
export interface Scheduler<Handle = unknown> {
  now(): number
  setTimeout(callback: () => void, delayMs: number): Handle
  clearTimeout(handle: Handle): void
}

/** A throttled sender. */
export interface Throttle<T> {
  /** Offer a value: sent now, or later as part of the trailing send if a newer one does not replace it. */
  push(value: T): void
  /** Send a waiting value now (before the page hides, before destroy). */
  flush(): void
  /** Drop a waiting value and its timer. */
  cancel(): void
  /** Whether a value is waiting. */
  readonly pending: boolean
}

/**
 * Wrap `send` so it runs at most once per `intervalMs`, always with the latest value.
 *
 * @example
 * const cursor = createThrottle((c) => awareness.setLocalStateField('cursor', c), {
 *   intervalMs: 100,
 *   scheduler: { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout },
 * })
 */
export function createThrottle<T, Handle>(
  send: (value: T) => void,
  options: { readonly intervalMs: number; readonly scheduler: Scheduler<Handle> },
): Throttle<T> {
  const { intervalMs, scheduler } = options
  let lastSentAt: number | null = null
  let waiting: { value: T } | null = null
  let timer: { handle: Handle } | null = null

  const clearTimer = (): void => {
    if (timer !== null) scheduler.clearTimeout(timer.handle)
    timer = null
  }
  const sendWaiting = (): void => {
    clearTimer()
    if (waiting === null) return
    const { value } = waiting
    waiting = null
    lastSentAt = scheduler.now()
    send(value)
  }

  return {
    push(value) {
      waiting = { value }
      if (timer !== null) return
      const delay = nextSendDelay(lastSentAt, scheduler.now(), intervalMs)
      if (delay === 0) sendWaiting()
      else timer = { handle: scheduler.setTimeout(sendWaiting, delay) }
    },
    flush: sendWaiting,
    cancel() {
      clearTimer()
      waiting = null
    },
    get pending() {
      return waiting !== null
    },
  }
}
