import { ClassicLevel } from 'classic-level'
import {
  type AppendOptions,
  type DocStore,
  type NewVersion,
  StoreClosedError,
  type StoredDoc,
  type StoredDocInfo,
  type StoredDocPage,
  type TombstoneInfo,
  type TombstonePage,
  type VersionInfo,
  type VersionKind,
} from './doc-store.js'
import { KeyedSerializer } from './keyed-serializer.js'
import {
  DOC_PREFIX,
  DOCS_END,
  docEnd,
  docStart,
  firstSeqKey,
  modifiedKey,
  nextVersionKey,
  ownerKey,
  ownerPrefix,
  ownersEnd,
  parseDocKey,
  SEP,
  SEQ_KEY,
  snapshotKey,
  TOMBSTONE_PREFIX,
  TOMBSTONES_END,
  tombstoneKey,
  updateKey,
  updatesEnd,
  updatesStart,
  versionContentKey,
  versionIdOf,
  versionInfoEnd,
  versionInfoKey,
  versionInfoStart,
} from './leveldb-keys.js'

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
 * The key layout is described in `leveldb-keys.ts` (and `docs/ARCHITECTURE.md`). Every batch
 * of appends also writes "m\0seq", so after a crash numbering resumes past every update that
 * was written; numbers of a failed batch are simply never used.
 */

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

/** Resolution of stored last-modified times: a document's is at most this much behind. */
const MODIFIED_RESOLUTION_MS = 1000
/** Documents whose last-modified write time is remembered at once. */
const MAX_MODIFIED_TRACKED = 10_000

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8')
const text = (value: Uint8Array): string => Buffer.from(value).toString('utf8')

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
  /**
   * When each document's last-modified time was last written (ms): it is written at most once
   * per `MODIFIED_RESOLUTION_MS`, not with every batch (one LevelDB operation less per
   * document and turn for a document being typed in).
   */
  readonly #modifiedWritten = new Map<string, number>()

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
      const [snapshot, firstSeq, tombstone, modified] = await this.#db.getMany([
        snapshotKey(name),
        firstSeqKey(name),
        tombstoneKey(name),
        modifiedKey(name),
      ])
      const owners = ownerPrefix(name)
      for await (const [key, value] of this.#db.iterator({ gte: owners, lt: ownersEnd(name) })) {
        clientOwners.set(Number(key.slice(owners.length)), text(value))
      }
      if (snapshot !== undefined) {
        updates.push(snapshot)
        snapshotBytes = snapshot.byteLength
      }
      for await (const value of this.#db.values({
        gte: this.#liveUpdatesStart(name, firstSeq),
        lt: updatesEnd(name),
      })) {
        updates.push(value)
        appendedCount++
        appendedBytes += value.byteLength
      }
      const deletedAt = tombstone === undefined ? null : Number(text(tombstone))
      const lastModified = modified === undefined ? null : Number(text(modified))
      return {
        updates,
        snapshotBytes,
        appendedCount,
        appendedBytes,
        clientOwners,
        deletedAt,
        lastModified,
      }
    })
  }

  async append(
    name: string,
    updates: readonly Uint8Array[],
    newOwners?: ReadonlyMap<number, string>,
    options: AppendOptions = {},
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
          const modified = updates.length > 0 ? this.#modifiedToWrite(name, options) : null
          if (modified !== null) {
            group.ops.push({ type: 'put', key: modifiedKey(name), value: utf8(String(modified)) })
          }
          for (const [clientId, user] of newOwners ?? []) {
            group.ops.push({ type: 'put', key: ownerKey(name, clientId), value: utf8(user) })
          }
          group.waiters.push({ resolve, reject })
        }),
    )
  }

  async replace(name: string, snapshot: Uint8Array): Promise<void> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      const firstSeq = await this.#db.get(firstSeqKey(name))
      const ops: BatchOp[] = await this.#deleteOps(
        this.#liveUpdatesStart(name, firstSeq),
        updatesEnd(name),
      )
      ops.push({ type: 'put', key: snapshotKey(name), value: snapshot })
      // Every update of this document so far has a lower number (appends to one document are
      // serialised with this), and all of them are deleted in this batch.
      ops.push({ type: 'put', key: firstSeqKey(name), value: utf8(this.#nextSeq.toString(16)) })
      await this.#db.batch(ops, { sync: this.#sync })
    })
  }

  async delete(name: string, options: { tombstoneAt?: number } = {}): Promise<void> {
    this.#check(name)
    this.#modifiedWritten.delete(name)
    return this.#serial.run(name, async () => {
      const ops = await this.#deleteOps(docStart(name), docEnd(name))
      const { tombstoneAt } = options
      ops.push(
        tombstoneAt === undefined
          ? { type: 'del', key: tombstoneKey(name) }
          : { type: 'put', key: tombstoneKey(name), value: utf8(String(tombstoneAt)) },
      )
      await this.#db.batch(ops, { sync: this.#sync })
    })
  }

  async list(options: { after?: string; limit?: number } = {}): Promise<StoredDocPage> {
    this.#assertOpen()
    const limit = options.limit ?? 100
    const docs: StoredDocInfo[] = []
    let more = false
    const iterator = this.#db.iterator({
      gte: options.after === undefined ? DOC_PREFIX : docEnd(options.after),
      lt: DOCS_END,
    })
    let current: {
      name: string
      bytes: number
      lastModified: number | null
      stored: boolean
    } | null = null
    /** The current document's first live update number, when it has one. */
    let firstSeq: Uint8Array | undefined
    /** Add the document just read to the page, if it has content (not only versions or owners). */
    const finish = (): void => {
      if (current === null || !current.stored) return
      const { name, bytes, lastModified } = current
      docs.push({ name, bytes, lastModified })
    }
    try {
      for (let entry = await iterator.next(); entry !== undefined; entry = await iterator.next()) {
        const [key, value] = entry
        const { name, kind } = parseDocKey(key)
        if (current === null || name !== current.name) {
          finish()
          if (docs.length === limit) {
            more = true
            break
          }
          current = { name, bytes: 0, lastModified: null, stored: false }
          firstSeq = undefined
        }
        if (kind === 'f') {
          firstSeq = value
        } else if (kind === 'm') {
          current.lastModified = Number(text(value))
        } else if (kind === 's' || kind === 'u') {
          current.bytes += value.byteLength
          current.stored = true
          // Past the snapshot: jump over the compacted updates (see #liveUpdatesStart).
          if (kind === 's' && firstSeq !== undefined) {
            iterator.seek(this.#liveUpdatesStart(name, firstSeq))
          }
        } else if (kind === 'v' || kind === 'w') {
          // Versions sort last in a document's range: skip their content.
          iterator.seek(docEnd(name))
        }
      }
      if (!more) finish()
    } finally {
      await iterator.close()
    }
    const last = docs.at(-1)
    return more && last !== undefined ? { docs, next: last.name } : { docs }
  }

  async listTombstones(options: { after?: string; limit?: number } = {}): Promise<TombstonePage> {
    this.#assertOpen()
    const limit = options.limit ?? 100
    const tombstones: TombstoneInfo[] = []
    let more = false
    for await (const [key, value] of this.#db.iterator({
      ...(options.after === undefined
        ? { gte: TOMBSTONE_PREFIX }
        : { gt: tombstoneKey(options.after) }),
      lt: TOMBSTONES_END,
      // One more than asked, to know whether there is a next page.
      limit: limit + 1,
    })) {
      if (tombstones.length === limit) {
        more = true
        break
      }
      tombstones.push({ name: key.slice(TOMBSTONE_PREFIX.length), deletedAt: Number(text(value)) })
    }
    const last = tombstones.at(-1)
    return more && last !== undefined ? { tombstones, next: last.name } : { tombstones }
  }

  async saveVersion(name: string, version: NewVersion): Promise<VersionInfo> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      const stored = await this.#db.get(nextVersionKey(name))
      const id = stored === undefined ? 1 : Number(text(stored))
      const info: VersionInfo = {
        id,
        createdAt: version.createdAt,
        label: version.label,
        kind: version.kind,
        bytes: version.content.byteLength,
      }
      const meta = {
        createdAt: info.createdAt,
        label: info.label,
        kind: info.kind,
        bytes: info.bytes,
      }
      await this.#db.batch(
        [
          { type: 'put', key: nextVersionKey(name), value: utf8(String(id + 1)) },
          { type: 'put', key: versionInfoKey(name, id), value: utf8(JSON.stringify(meta)) },
          { type: 'put', key: versionContentKey(name, id), value: version.content },
        ],
        { sync: this.#sync },
      )
      return info
    })
  }

  async listVersions(name: string): Promise<VersionInfo[]> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      const versions: VersionInfo[] = []
      for await (const [key, value] of this.#db.iterator({
        gte: versionInfoStart(name),
        lt: versionInfoEnd(name),
      })) {
        const meta = JSON.parse(text(value)) as {
          createdAt: number
          label: string | null
          kind: VersionKind
          bytes: number
        }
        versions.push({ id: versionIdOf(key), ...meta })
      }
      return versions
    })
  }

  async loadVersion(name: string, id: number): Promise<Uint8Array | null> {
    this.#check(name)
    return this.#serial.run(name, async () => {
      if (!Number.isSafeInteger(id) || id < 1) return null
      return (await this.#db.get(versionContentKey(name, id))) ?? null
    })
  }

  async deleteVersions(name: string, ids: readonly number[]): Promise<void> {
    this.#check(name)
    if (ids.length === 0) return
    return this.#serial.run(name, async () => {
      const ops: BatchOp[] = ids.flatMap((id) => [
        { type: 'del' as const, key: versionInfoKey(name, id) },
        { type: 'del' as const, key: versionContentKey(name, id) },
      ])
      await this.#db.batch(ops, { sync: this.#sync })
    })
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

  /** The last-modified time to write with an append to `name`, or null to leave it. */
  #modifiedToWrite(name: string, options: AppendOptions): number | null {
    if (options.lastModified !== undefined) {
      this.#modifiedWritten.delete(name)
      return options.lastModified
    }
    const now = Date.now()
    const last = this.#modifiedWritten.get(name)
    if (last !== undefined && now - last < MODIFIED_RESOLUTION_MS && now >= last) return null
    // Bounded: forgetting only means the next append of a document writes its time again.
    if (this.#modifiedWritten.size >= MAX_MODIFIED_TRACKED) this.#modifiedWritten.clear()
    this.#modifiedWritten.set(name, now)
    return now
  }

  /**
   * The first update key of `name` that may still exist: from its first live sequence number
   * (`firstSeq`, as stored) on, or the start of its update range before its first compaction.
   * Reading from there skips the deletion markers of every compacted update, which LevelDB
   * keeps until its own compactions and would otherwise step over on every load.
   */
  #liveUpdatesStart(name: string, firstSeq: Uint8Array | undefined): string {
    return firstSeq === undefined
      ? updatesStart(name)
      : updateKey(name, Number.parseInt(text(firstSeq), 16))
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
    const seqMark = utf8(this.#nextSeq.toString(16))
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
