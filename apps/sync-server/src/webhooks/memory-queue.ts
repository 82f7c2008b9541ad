/** `EventQueues` in memory: for `--storage memory` and tests. Nothing survives a restart. */
import type { EventQueue, EventQueues, NewQueuedEvent, QueuedEvent } from './event-queue.js'

/**
 * Queues kept in this process. The same receiver opened twice gets the same queue.
 *
 * @example
 * const queue = await createMemoryQueues().open('receiver-key', 10_000)
 */
export function createMemoryQueues(): EventQueues {
  const queues = new Map<string, MemoryQueue>()
  return {
    async open(receiver, maxEntries) {
      let queue = queues.get(receiver)
      if (queue === undefined) {
        queue = new MemoryQueue()
        queues.set(receiver, queue)
      }
      queue.maxEntries = maxEntries
      return queue
    },
  }
}

class MemoryQueue implements EventQueue {
  maxEntries = 1
  readonly #events: QueuedEvent[] = []
  #nextSeq = 0

  get size(): number {
    return this.#events.length
  }

  async push(events: readonly NewQueuedEvent[]): Promise<{ dropped: number }> {
    for (const event of events) this.#events.push({ ...event, seq: this.#nextSeq++ })
    const dropped = Math.max(0, this.#events.length - this.maxEntries)
    this.#events.splice(0, dropped)
    return { dropped }
  }

  async peek(): Promise<QueuedEvent | null> {
    return this.#events[0] ?? null
  }

  async ackThrough(seq: number): Promise<void> {
    let count = 0
    while (count < this.#events.length && (this.#events[count] as QueuedEvent).seq <= seq) count++
    this.#events.splice(0, count)
  }
}
