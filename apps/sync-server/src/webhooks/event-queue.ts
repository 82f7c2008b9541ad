/**
 * The webhook queue seam: one bounded FIFO of events per receiver, so a receiver that is down
 * loses nothing (within the bound) and gets its events in order. Two implementations
 * (LevelDB, memory) pass one contract suite (`event-queue.contract.ts`).
 */

/** An event as handed to the queue: its serialised body and what the delivery headers need. */
export interface NewQueuedEvent {
  /** Idempotency key (`Weft-Event-Id`). */
  readonly id: string
  readonly type: string
  /** The JSON body, posted byte for byte as stored, in every attempt. */
  readonly body: string
  /** When the event was created (ms since the epoch). */
  readonly createdAt: number
}

/** An event in a queue. */
export interface QueuedEvent extends NewQueuedEvent {
  /** Position in the queue; grows by one per event, never reused. */
  readonly seq: number
}

/**
 * One receiver's queue.
 *
 * Contract (checked by `event-queue.contract.ts`):
 * - Events come out (`peek`) in the order they were pushed.
 * - It never holds more than `maxEntries`: a push that would pass the bound first drops the
 *   oldest events, and reports how many.
 * - A push or ack resolves once it is durable (for the durable implementation: against a
 *   crash of the process); a durable queue reopened holds exactly what it held.
 * - Operations take effect in the order they were called.
 */
export interface EventQueue {
  /** Events held. */
  readonly size: number
  /** Append events (oldest first), dropping the oldest held ones beyond the bound. */
  push(events: readonly NewQueuedEvent[]): Promise<{ dropped: number }>
  /** The oldest event, or null when the queue is empty. */
  peek(): Promise<QueuedEvent | null>
  /** Remove every event up to and including `seq` (delivered). */
  ackThrough(seq: number): Promise<void>
}

/** Opens the queue of each receiver. */
export interface EventQueues {
  /**
   * The queue of `receiver` (a stable key: the same receiver gets the same queue back after a
   * restart), holding at most `maxEntries`.
   */
  open(receiver: string, maxEntries: number): Promise<EventQueue>
}
