/**
 * `EventQueues` in a section of the server's LevelDB (the same data directory and database as
 * the documents, see `LevelDbDocStore.sublevel`), so queued events survive restarts and
 * crashes.
 *
 * Key layout inside the section (UTF-8): `<receiver>\0<seq>` → JSON `{id, type, body,
 * createdAt}`, where <seq> is 14 hex digits so keys sort in queue order. Events are only ever
 * removed from the front (acknowledged or dropped), so one receiver's keys are the contiguous
 * range [head, tail): its size is tail − head, and both are found again at open. (After a
 * failed write there may be a gap; `peek` reads from head onwards, so it skips it, and the
 * size is recounted at the next open.)
 */
import type { LevelSection } from '../storage/leveldb-store.js'
import type { EventQueue, EventQueues, NewQueuedEvent, QueuedEvent } from './event-queue.js'

/** Options of the LevelDB queues. */
export interface LevelDbQueuesOptions {
  /** `fsync` every write (as the document store's `--fsync`). */
  readonly fsync: boolean
}

const SEP = '\u0000'
const prefix = (receiver: string): string => `${receiver}${SEP}`
const end = (receiver: string): string => `${receiver}\u0001`
const key = (receiver: string, seq: number): string =>
  `${prefix(receiver)}${seq.toString(16).padStart(14, '0')}`
const seqOf = (receiver: string, stored: string): number =>
  Number.parseInt(stored.slice(prefix(receiver).length), 16)

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string }

/**
 * Queues stored in `section`. Receiver keys must not contain U+0000.
 *
 * @example
 * const queues = createLevelDbQueues(store.sublevel('webhooks'), { fsync: false })
 */
export function createLevelDbQueues(
  section: LevelSection,
  options: LevelDbQueuesOptions,
): EventQueues {
  return {
    async open(receiver, maxEntries) {
      if (receiver.includes(SEP)) throw new TypeError('receiver keys must not contain U+0000')
      const range = { gte: prefix(receiver), lt: end(receiver), limit: 1 }
      const [first] = await section.keys(range).all()
      const [last] = await section.keys({ ...range, reverse: true }).all()
      const head = first === undefined ? 0 : seqOf(receiver, first)
      const tail = last === undefined ? 0 : seqOf(receiver, last) + 1
      return new LevelDbQueue(section, receiver, maxEntries, options.fsync, head, tail)
    },
  }
}

class LevelDbQueue implements EventQueue {
  readonly #section: LevelSection
  readonly #receiver: string
  readonly #maxEntries: number
  /** classic-level's `sync`, which a sublevel passes on to the database (untyped there). */
  readonly #writeOptions: { sync: boolean; valueEncoding: 'utf8' }
  /** Oldest held seq and the next seq to use: the queue is [head, tail). */
  #head: number
  #tail: number
  /** Writes run one after another, in call order; reads wait for the writes before them. */
  #last: Promise<unknown> = Promise.resolve()

  constructor(
    section: LevelSection,
    receiver: string,
    maxEntries: number,
    sync: boolean,
    head: number,
    tail: number,
  ) {
    this.#section = section
    this.#receiver = receiver
    this.#maxEntries = maxEntries
    this.#writeOptions = { sync, valueEncoding: 'utf8' }
    this.#head = head
    this.#tail = tail
  }

  get size(): number {
    return this.#tail - this.#head
  }

  push(events: readonly NewQueuedEvent[]): Promise<{ dropped: number }> {
    const firstNew = this.#tail
    const tail = firstNew + events.length
    const head = Math.max(this.#head, tail - this.#maxEntries)
    const ops: Op[] = []
    events.forEach((event, i) => {
      // An event pushed in this very call may already be past the bound: never written.
      if (firstNew + i < head) return
      const value = JSON.stringify({
        id: event.id,
        type: event.type,
        body: event.body,
        createdAt: event.createdAt,
      })
      ops.push({ type: 'put', key: key(this.#receiver, firstNew + i), value })
    })
    for (let seq = this.#head; seq < Math.min(head, firstNew); seq++) {
      ops.push({ type: 'del', key: key(this.#receiver, seq) })
    }
    const dropped = head - this.#head
    this.#head = head
    this.#tail = tail
    return this.#then(async () => {
      if (ops.length > 0) await this.#section.batch(ops, this.#writeOptions)
      return { dropped }
    })
  }

  peek(): Promise<QueuedEvent | null> {
    return this.#then(async () => {
      if (this.size === 0) return null
      const [entry] = await this.#section
        .iterator({ gte: key(this.#receiver, this.#head), lt: end(this.#receiver), limit: 1 })
        .all()
      if (entry === undefined) return null
      const [storedKey, value] = entry
      const stored = JSON.parse(value) as Omit<QueuedEvent, 'seq'>
      return { ...stored, seq: seqOf(this.#receiver, storedKey) }
    })
  }

  ackThrough(seq: number): Promise<void> {
    const ops: Op[] = []
    const through = Math.min(seq, this.#tail - 1)
    for (let s = this.#head; s <= through; s++)
      ops.push({ type: 'del', key: key(this.#receiver, s) })
    if (ops.length === 0) return this.#then(async () => undefined)
    this.#head = through + 1
    return this.#then(() => this.#section.batch(ops, this.#writeOptions))
  }

  /** Run `task` after every operation called before it. */
  #then<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#last.then(task, task)
    this.#last = result.catch(() => undefined)
    return result
  }
}
