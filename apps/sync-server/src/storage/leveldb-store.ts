import { ClassicLevel } from 'classic-level'
import { type DocStore, StoreClosedError, type StoredDoc, type StoredDocPage } from './doc-store.js'
import { KeyedSerializer } from './keyed-serializer.js'

/** Options of the LevelDB store. */
export interface LevelDbStoreOptions {
  /** Directory of the database; created when missing. */
  readonly dir: string
  /**
   * `fsync` every write batch. Off, a write survives a crash of the process (it is in the
   * OS page cache); on, it also survives power loss, at the cost of one disk flush per batch.
   */
  readonly fsync: boolean
}

/*
 * Key layout (UTF-8 strings; document names never contain U+0000):
 *   "d\0<name>\0s"          snapshot of <name>
 *   "d\0<name>\0u\0<seq>"   an update appended after the snapshot; <seq> is 14 hex digits,
 *                           so keys sort in append order
 *   "d\0<name>\0o\0<id>"    the user owning Yjs client id <id> (decimal), UTF-8
 *   "m\0seq"                the next unused sequence number (hex)
 * Every batch of appends also writes "m\0seq", so after a crash numbering resumes past
 * every update that was written; numbers of a failed batch are simply never used.
 */
const SEP = '\u0000'
const DOC_PREFIX = `d${SEP}`
const SEQ_KEY = `m${SEP}seq`

const docStart = (name: string): string => `${DOC_PREFIX}${name}${SEP}`
const docEnd = (name: string): string => `${DOC_PREFIX}${name}\u0001`
const snapshotKey = (name: string): string => `${docStart(name)}s`
const updateKey = (name: string, seq: number): string =>
  `${docStart(name)}u${SEP}${seq.toString(16).padStart(14, '0')}`
const ownerPrefix = (name: string): string => `${docStart(name)}o${SEP}`
const ownerKey = (name: string, clientId: number): string => `${ownerPrefix(name)}${clientId}`
const updatesStart = (name: string): string => `${docStart(name)}u${SEP}`
const updatesEnd = (name: string): string => `${docStart(name)}u\u0001`

/**
 * A section of the store's database under a key prefix of its own (a classic-level sublevel,
 * keys `!<name>!…`, outside the document ranges), with UTF-8 keys and values. It lives and
 * closes with the store.
 */
export type LevelSection = ReturnType<typeof openSection>

const openSection = (db: ClassicLevel<string, Uint8Array>, name: string) =>
  db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' })

/** A LevelDB `DocStore` that can lend sections of its database to other durable state. */
export interface LevelDbDocStore extends DocStore {
  /** The section `name` (for example the webhook queue). Use it only while the store is open. */
  sublevel(name: string): LevelSection
}

type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

interface Group {
  ops: BatchOp[]
  waiters: { resolve: () => void; reject: (error: unknown) => void }[]
}

/**
 * A `DocStore` on an embedded LevelDB (`classic-level`). Appends from one event-loop turn,
 * across documents, are written in one batch (group commit); each document's operations
 * keep their order.
 *
 * @example
 * const store = await openLevelDbStore({ dir: './data', fsync: false })
 * await store.append('notes', [update])
 */
export async function openLevelDbStore(options: LevelDbStoreOptions): Promise<LevelDbDocStore> {
  const db = new ClassicLevel<string, Uint8Array>(options.dir, {
    keyEncoding: 'utf8',
    valueEncoding: 'view',
  })
  await db.open()
  const nextSeq = Number.parseInt((await db.get(SEQ_KEY, { valueEncoding: 'utf8' })) ?? '0', 16)
  return new LevelDbStore(db, options.fsync, nextSeq)
}

class LevelDbStore implements LevelDbDocStore {
  readonly #db: ClassicLevel<string, Uint8Array>
  readonly #sync: boolean
  readonly #serial = new KeyedSerializer()
  #nextSeq: number
  #group: Group | null = null
  #writeScheduled = false
  #writing: Promise<void> | null = null
  #open = true

  constructor(db: ClassicLevel<string, Uint8Array>, sync: boolean, nextSeq: number) {
    this.#db = db
    this.#sync = sync
    this.#nextSeq = nextSeq
  }

  get isOpen(): boolean {
    return this.#open
  }

  sublevel(name: string): LevelSection {
    this.#assertOpen()
    return openSection(this.#db, name)
  }

  async load(name: string): Promise<StoredDoc> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      const updates: Uint8Array[] = []
      let snapshotBytes = 0
      let appendedCount = 0
      let appendedBytes = 0
      const clientOwners = new Map<number, string>()
      const snapshot = snapshotKey(name)
      const owners = ownerPrefix(name)
      // Keys sort as owners ("o"), snapshot ("s"), updates ("u"): the snapshot comes first.
      for await (const [key, value] of this.#db.iterator({
        gte: docStart(name),
        lt: docEnd(name),
      })) {
        if (key.startsWith(owners)) {
          clientOwners.set(Number(key.slice(owners.length)), Buffer.from(value).toString('utf8'))
        } else if (key === snapshot) {
          updates.push(value)
          snapshotBytes = value.byteLength
        } else {
          updates.push(value)
          appendedCount++
          appendedBytes += value.byteLength
        }
      }
      return { updates, snapshotBytes, appendedCount, appendedBytes, clientOwners }
    })
  }

  async append(
    name: string,
    updates: readonly Uint8Array[],
    newOwners?: ReadonlyMap<number, string>,
  ): Promise<void> {
    this.#check(name)
    if (updates.length === 0 && (newOwners === undefined || newOwners.size === 0)) return
    return this.#serial.run(
      name,
      () =>
        new Promise<void>((resolve, reject) => {
          const group = this.#currentGroup()
          for (const value of updates) {
            group.ops.push({ type: 'put', key: updateKey(name, this.#nextSeq++), value })
          }
          for (const [clientId, user] of newOwners ?? []) {
            group.ops.push({
              type: 'put',
              key: ownerKey(name, clientId),
              value: Buffer.from(user, 'utf8'),
            })
          }
          group.waiters.push({ resolve, reject })
        }),
    )
  }

  async replace(name: string, snapshot: Uint8Array): Promise<void> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      const ops: BatchOp[] = await this.#deleteOps(updatesStart(name), updatesEnd(name))
      ops.push({ type: 'put', key: snapshotKey(name), value: snapshot })
      await this.#db.batch(ops, { sync: this.#sync })
    })
  }

  async delete(name: string): Promise<void> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      const ops = await this.#deleteOps(docStart(name), docEnd(name))
      if (ops.length > 0) await this.#db.batch(ops, { sync: this.#sync })
    })
  }

  async list(options: { after?: string; limit?: number } = {}): Promise<StoredDocPage> {
    this.#assertOpen()
    const limit = options.limit ?? 100
    const docs: { name: string; bytes: number }[] = []
    let more = false
    const iterator = this.#db.iterator({
      gte: options.after === undefined ? DOC_PREFIX : docEnd(options.after),
      lt: `d${'\u0001'}`,
    })
    try {
      let current: { name: string; bytes: number } | null = null
      for await (const [key, value] of iterator) {
        const name = key.slice(DOC_PREFIX.length, key.indexOf(SEP, DOC_PREFIX.length))
        if (current === null || current.name !== name) {
          if (docs.length === limit) {
            more = true
            break
          }
          current = { name, bytes: 0 }
          docs.push(current)
        }
        current.bytes += value.byteLength
      }
    } finally {
      await iterator.close()
    }
    const last = docs.at(-1)
    return more && last !== undefined ? { docs, next: last.name } : { docs }
  }

  async close(): Promise<void> {
    if (!this.#open) return
    this.#open = false
    // Every append waits in the serializer until its batch is written.
    await this.#serial.idle()
    await this.#db.close()
  }

  #check(name: string): void {
    this.#assertOpen()
    if (name.includes(SEP)) throw new TypeError('document names must not contain U+0000')
  }

  #assertOpen(): void {
    if (!this.#open) throw new StoreClosedError()
  }

  async #deleteOps(gte: string, lt: string): Promise<BatchOp[]> {
    const keys = await this.#db.keys({ gte, lt }).all()
    return keys.map((key) => ({ type: 'del', key }))
  }

  /**
   * The batch collecting appends. It is written on the next `setImmediate`, or, while another
   * batch is being written, as soon as that one is done: one append batch at a time, so the
   * sequence mark in each batch only ever grows, and a busy disk gets bigger batches.
   */
  #currentGroup(): Group {
    if (this.#group === null) {
      this.#group = { ops: [], waiters: [] }
      this.#scheduleWrite()
    }
    return this.#group
  }

  #scheduleWrite(): void {
    if (this.#writeScheduled || this.#writing !== null) return
    this.#writeScheduled = true
    setImmediate(() => {
      this.#writeScheduled = false
      const group = this.#group
      if (group === null) return
      this.#group = null
      this.#writing = this.#writeGroup(group).finally(() => {
        this.#writing = null
        if (this.#group !== null) this.#scheduleWrite()
      })
    })
  }

  async #writeGroup(group: Group): Promise<void> {
    const seqMark = Buffer.from(this.#nextSeq.toString(16), 'utf8')
    group.ops.push({ type: 'put', key: SEQ_KEY, value: seqMark })
    try {
      await this.#db.batch(group.ops, { sync: this.#sync })
    } catch (error) {
      for (const waiter of group.waiters) waiter.reject(error)
      return
    }
    for (const waiter of group.waiters) waiter.resolve()
  }
}
