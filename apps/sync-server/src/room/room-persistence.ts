/**
 * The write path of one room: persist before relay, with group commit and compaction.
 *
 * Updates applied to the room's document are collected into a batch; the batch is handed to
 * the store on the next turn (the store groups batches of all rooms into one write). Only
 * when the store says the batch is durable does the room relay it. While a batch is being
 * written the next one collects, so a busy room writes fewer, bigger batches. One write per
 * room is in flight at a time, so a room's writes keep their order; rooms do not wait for
 * each other. A batch of several updates is merged into one before it is written: one stored
 * value (and one LevelDB operation) per batch instead of one per keystroke, and the merged
 * update is what gets relayed anyway.
 */
import type { Logger } from 'pino'
import type { ServerMetrics } from '../metrics.js'
import type { DocStore } from '../storage/doc-store.js'
import { mergeUpdates } from './merge-updates.js'

/** Updates that became durable together. */
export interface DurableBatch<Origin> {
  readonly updates: readonly Uint8Array[]
  /** The one origin of every update in the batch, or null when several contributed. */
  readonly soleOrigin: Origin | null
  /** Every origin that contributed, each once. */
  readonly origins: readonly Origin[]
}

/** Thresholds of the write path. */
export interface PersistenceOptions {
  /** Compact once this many updates were appended since the last snapshot. */
  readonly compactAfterUpdates: number
  /** Compact once appended bytes pass this (or the snapshot's size, whichever is larger). */
  readonly compactAfterBytes: number
  /** First retry delay after a failed write; doubles up to `maxRetryDelayMs`. */
  readonly retryDelayMs: number
  readonly maxRetryDelayMs: number
}

/** What the persistence needs from its room. */
export interface PersistenceHost<Origin> {
  readonly name: string
  readonly store: DocStore
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Called once a batch is durable, in order: relay it. */
  onDurable(batch: DurableBatch<Origin>): void
  /** The document's full state, for compaction. */
  snapshot(): Uint8Array
}

/** The room stopped (it was discarded, deleted or unloaded) before a change became durable. */
export class RoomClosedError extends Error {
  override readonly name = 'RoomClosedError'
}

/** Counters of what is stored, as returned by `DocStore.load`. */
export interface StoredCounts {
  snapshotBytes: number
  appendedCount: number
  appendedBytes: number
}

interface Batch<Origin> {
  updates: Uint8Array[]
  /** Updates handed in; `updates` holds them merged into one once the batch is written. */
  count: number
  /** Client-id owners to record in the same write. */
  owners: Map<number, string> | null
  bytes: number
  origin: Origin | null
  mixed: boolean
  /** Origins other than `origin`, once the batch is mixed. */
  others: Set<Origin> | null
  callbacks: (() => void)[]
}

/** Persistence of one room; see the module comment. */
export class RoomPersistence<Origin> {
  readonly #host: PersistenceHost<Origin>
  readonly #options: PersistenceOptions
  readonly #counts: StoredCounts
  #collecting: Batch<Origin> | null = null
  #writing: Batch<Origin> | null = null
  #busy = false
  #scheduled = false
  #retryTimer: NodeJS.Timeout | null = null
  #idleWaiters: (() => void)[] = []
  /** Rejecters of `durable()` promises not yet settled, rejected by `stop()`. */
  readonly #durableWaiters = new Set<(error: Error) => void>()
  #stopped = false

  constructor(host: PersistenceHost<Origin>, options: PersistenceOptions, counts: StoredCounts) {
    this.#host = host
    this.#options = options
    this.#counts = { ...counts }
  }

  /** Bytes applied to the document but not yet durable. */
  get pendingBytes(): number {
    return (this.#collecting?.bytes ?? 0) + (this.#writing?.bytes ?? 0)
  }

  /** Whether every update handed in so far is durable. */
  get isIdle(): boolean {
    return this.#collecting === null && !this.#busy
  }

  /** Bytes stored (snapshot and appended updates) plus bytes waiting to be. */
  get storedBytes(): number {
    return this.#counts.snapshotBytes + this.#counts.appendedBytes + this.pendingBytes
  }

  /** Persist `update` (already applied to the document), then relay it. */
  add(update: Uint8Array, origin: Origin): void {
    let batch = this.#collecting
    if (batch === null) {
      batch = this.#newBatch(origin)
    } else if (batch.updates.length === 0) {
      batch.origin = origin
    } else if (batch.origin !== origin) {
      batch.mixed = true
      batch.others ??= new Set()
      batch.others.add(origin)
    }
    batch.updates.push(update)
    batch.count++
    batch.bytes += update.byteLength
    this.#schedule()
  }

  /** Record client-id owners with the next write. */
  addOwners(owners: ReadonlyMap<number, string>): void {
    if (owners.size === 0) return
    const batch = this.#collecting ?? this.#newBatch(null)
    batch.owners ??= new Map()
    for (const [client, user] of owners) batch.owners.set(client, user)
    this.#schedule()
  }

  #newBatch(origin: Origin | null): Batch<Origin> {
    const batch: Batch<Origin> = {
      updates: [],
      count: 0,
      owners: null,
      bytes: 0,
      origin,
      mixed: false,
      others: null,
      callbacks: [],
    }
    this.#collecting = batch
    return batch
  }

  /**
   * Run `callback` once every update handed in so far is durable: at once when nothing is
   * pending. A reply computed from the document now may be sent from the callback.
   */
  afterDurable(callback: () => void): void {
    const target = this.#collecting ?? this.#writing
    if (target === null) callback()
    else target.callbacks.push(callback)
  }

  /**
   * Resolves once every update handed in so far is durable; rejects with `RoomClosedError`
   * if the room stops first (so a caller waiting for durability never hangs on a dead room).
   */
  durable(): Promise<void> {
    if (this.#stopped) return Promise.reject(new RoomClosedError('the room was closed'))
    return new Promise((resolve, reject) => {
      this.#durableWaiters.add(reject)
      this.afterDurable(() => {
        this.#durableWaiters.delete(reject)
        resolve()
      })
    })
  }

  /** Resolves when every update handed in so far is durable (and no compaction runs). */
  whenIdle(): Promise<void> {
    if (this.isIdle) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Compact now if anything was appended since the last snapshot (used before unloading). */
  async compactIfAppended(): Promise<void> {
    await this.whenIdle()
    if (this.#counts.appendedCount === 0 || this.#stopped) return
    this.#busy = true
    try {
      await this.#compact()
    } finally {
      this.#busy = false
      this.#next()
    }
  }

  /** Stop retrying (the room is being discarded); pending callbacks are not run. */
  stop(): void {
    this.#stopped = true
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
    const waiters = [...this.#durableWaiters]
    this.#durableWaiters.clear()
    for (const reject of waiters) reject(new RoomClosedError('the room was closed'))
  }

  #schedule(): void {
    if (this.#scheduled || this.#busy) return
    this.#scheduled = true
    // Collect everything that arrives in this turn into the batch.
    setImmediate(() => {
      this.#scheduled = false
      this.#next()
    })
  }

  #next(): void {
    if (this.#busy || this.#stopped) return
    const batch = this.#collecting
    if (batch === null) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
      return
    }
    this.#collecting = null
    if (batch.updates.length > 1) batch.updates = [mergeUpdates(batch.updates)]
    this.#writing = batch
    this.#busy = true
    void this.#write(batch, this.#options.retryDelayMs)
  }

  async #write(batch: Batch<Origin>, retryDelayMs: number): Promise<void> {
    const { store, metrics, logger, name } = this.#host
    const started = performance.now()
    try {
      await store.append(name, batch.updates, batch.owners ?? undefined)
    } catch (error) {
      metrics.persistFailures.inc()
      logger.error(
        { err: error, room: name, updates: batch.count, retryInMs: retryDelayMs },
        'writing updates failed; keeping them in memory and retrying',
      )
      if (this.#stopped) return
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null
        void this.#write(batch, Math.min(retryDelayMs * 2, this.#options.maxRetryDelayMs))
      }, retryDelayMs)
      return
    }
    metrics.persistBatches.inc()
    metrics.persistBatchUpdates.observe(batch.count)
    metrics.persistBatchBytes.observe(batch.bytes)
    metrics.persistSeconds.observe((performance.now() - started) / 1000)
    // Stopped while writing (the document is being deleted or discarded): nothing more may be
    // written for it — a compaction now would store the document again after its deletion.
    if (this.#stopped) return
    this.#counts.appendedCount += batch.count
    this.#counts.appendedBytes += batch.bytes
    this.#writing = null
    if (batch.updates.length > 0) {
      const first = batch.origin as Origin
      this.#host.onDurable({
        updates: batch.updates,
        soleOrigin: batch.mixed ? null : batch.origin,
        origins: batch.others === null ? [first] : [first, ...batch.others],
      })
    }
    for (const callback of batch.callbacks) callback()
    if (this.#shouldCompact()) await this.#compact()
    this.#busy = false
    this.#next()
  }

  #shouldCompact(): boolean {
    const { appendedCount, appendedBytes, snapshotBytes } = this.#counts
    return (
      appendedCount >= this.#options.compactAfterUpdates ||
      appendedBytes >= Math.max(this.#options.compactAfterBytes, snapshotBytes)
    )
  }

  /**
   * Replace the stored updates by one snapshot of the document. The snapshot may include
   * updates still collecting for the next batch; storing them twice is harmless, since
   * applying a Yjs update twice changes nothing.
   */
  async #compact(): Promise<void> {
    const { store, metrics, logger, name } = this.#host
    const snapshot = this.#host.snapshot()
    try {
      await store.replace(name, snapshot)
    } catch (error) {
      // The appended updates are still stored; the next batch tries again.
      metrics.compactionFailures.inc()
      logger.error({ err: error, room: name }, 'compaction failed; updates stay stored as they are')
      return
    }
    metrics.compactions.inc()
    this.#counts.snapshotBytes = snapshot.byteLength
    this.#counts.appendedCount = 0
    this.#counts.appendedBytes = 0
  }
}
