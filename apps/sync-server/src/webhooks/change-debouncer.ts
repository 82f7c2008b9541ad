/**
 * Debounces "document changed" per document: an event is emitted once a document has had no
 * new durable change for `debounceMs`, or `maxWaitMs` after the first change it covers,
 * whichever comes first, so a document edited without pause still reports regularly. Pure:
 * the clock and timers are injected.
 */

/** Clock and timers (the real ones, or a test's). */
export interface DebouncerClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Settings of the debouncer. */
export interface DebouncerOptions {
  /** Quiet time after the last change before the event is emitted. */
  readonly debounceMs: number
  /** Longest time from the first change covered to the event. */
  readonly maxWaitMs: number
  /** Users listed per event; more set `usersTruncated`. */
  readonly maxUsers: number
  /** Documents waiting at once; beyond it the oldest is emitted early (nothing is lost). */
  readonly maxPending: number
}

/** The changes of one document since its previous event. */
export interface CoalescedChange {
  readonly document: string
  readonly firstAt: number
  readonly lastAt: number
  readonly batches: number
  readonly users: readonly string[]
  readonly usersTruncated: boolean
}

interface Pending {
  firstAt: number
  lastAt: number
  batches: number
  users: Set<string>
  usersTruncated: boolean
  /** When the event is due (moves with each change, never past firstAt + maxWaitMs). */
  dueAt: number
  timer: unknown
}

/** See the module comment. */
export class ChangeDebouncer {
  readonly #options: DebouncerOptions
  readonly #emit: (change: CoalescedChange) => void
  readonly #clock: DebouncerClock
  /** In insertion order, so the first entry is the oldest. */
  readonly #pending = new Map<string, Pending>()

  constructor(
    options: DebouncerOptions,
    emit: (change: CoalescedChange) => void,
    clock: DebouncerClock,
  ) {
    this.#options = options
    this.#emit = emit
    this.#clock = clock
  }

  /** Documents with changes not yet emitted. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** A batch of `document`'s changes, written by `users`, became durable. */
  changed(document: string, users: readonly string[]): void {
    const now = this.#clock.now()
    let entry = this.#pending.get(document)
    if (entry === undefined) {
      if (this.#pending.size >= this.#options.maxPending) this.#emitOldest()
      entry = {
        firstAt: now,
        lastAt: now,
        batches: 0,
        users: new Set(),
        usersTruncated: false,
        dueAt: 0,
        timer: null,
      }
      this.#pending.set(document, entry)
    }
    entry.lastAt = now
    entry.batches++
    for (const user of users) {
      if (entry.users.has(user)) continue
      if (entry.users.size < this.#options.maxUsers) entry.users.add(user)
      else entry.usersTruncated = true
    }
    entry.dueAt = Math.min(now + this.#options.debounceMs, entry.firstAt + this.#options.maxWaitMs)
    // One timer per document, re-armed only when it fires early: a busy document does not
    // reset a timer for every batch.
    if (entry.timer === null) this.#arm(document, entry, entry.dueAt - now)
  }

  /** Emit `document`'s pending change now, if it has one (before its room.closed). */
  flush(document: string): void {
    this.#fire(document)
  }

  /** Emit every pending change now (at shutdown, so nothing is left behind). */
  flushAll(): void {
    for (const document of [...this.#pending.keys()]) this.#fire(document)
  }

  /** Drop everything pending without emitting and stop the timers. */
  dispose(): void {
    for (const entry of this.#pending.values()) this.#clock.clearTimeout(entry.timer)
    this.#pending.clear()
  }

  #arm(document: string, entry: Pending, ms: number): void {
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = null
      const left = entry.dueAt - this.#clock.now()
      if (left > 0) this.#arm(document, entry, left)
      else this.#fire(document)
    }, ms)
  }

  #emitOldest(): void {
    const oldest = this.#pending.keys().next()
    if (!oldest.done) this.#fire(oldest.value)
  }

  #fire(document: string): void {
    const entry = this.#pending.get(document)
    if (entry === undefined) return
    this.#pending.delete(document)
    if (entry.timer !== null) this.#clock.clearTimeout(entry.timer)
    this.#emit({
      document,
      firstAt: entry.firstAt,
      lastAt: entry.lastAt,
      batches: entry.batches,
      users: [...entry.users],
      usersTruncated: entry.usersTruncated,
    })
  }
}
