import {
  type DocStore,
  StoreClosedError,
  type StoredDoc,
  type StoredDocPage,
  type TombstonePage,
  type VersionInfo,
} from './doc-store.js'

interface Entry {
  snapshot: Uint8Array | null
  updates: Uint8Array[]
  owners: Map<number, string>
  lastModified: number | null
  versions: Map<number, { info: VersionInfo; content: Uint8Array }>
  nextVersionId: number
}

const newEntry = (): Entry => ({
  snapshot: null,
  updates: [],
  owners: new Map(),
  lastModified: null,
  versions: new Map(),
  nextVersionId: 1,
})

/** Whether the entry holds document content (not only owners or versions). */
const hasContent = (entry: Entry): boolean => entry.snapshot !== null || entry.updates.length > 0

/**
 * A `DocStore` in process memory. Nothing survives a restart: for tests, benchmarks and
 * throw-away servers (`--storage memory`).
 */
export function createMemoryStore(): DocStore {
  const docs = new Map<string, Entry>()
  const tombstones = new Map<string, number>()
  let open = true

  const assertOpen = (): void => {
    if (!open) throw new StoreClosedError()
  }
  const entryOf = (name: string): Entry => {
    let entry = docs.get(name)
    if (entry === undefined) {
      entry = newEntry()
      docs.set(name, entry)
    }
    return entry
  }

  return {
    get isOpen() {
      return open
    },
    async load(name): Promise<StoredDoc> {
      assertOpen()
      const entry = docs.get(name)
      const deletedAt = tombstones.get(name) ?? null
      if (entry === undefined) {
        return {
          updates: [],
          snapshotBytes: 0,
          appendedCount: 0,
          appendedBytes: 0,
          clientOwners: new Map(),
          deletedAt,
          lastModified: null,
        }
      }
      const updates =
        entry.snapshot === null ? [...entry.updates] : [entry.snapshot, ...entry.updates]
      return {
        updates,
        snapshotBytes: entry.snapshot?.byteLength ?? 0,
        appendedCount: entry.updates.length,
        appendedBytes: sumBytes(entry.updates),
        clientOwners: new Map(entry.owners),
        deletedAt,
        lastModified: entry.lastModified,
      }
    },
    async append(name, updates, newOwners, options = {}) {
      assertOpen()
      if (updates.length === 0 && (newOwners === undefined || newOwners.size === 0)) return
      const entry = entryOf(name)
      // Copy: callers pass views into socket frames.
      for (const update of updates) entry.updates.push(update.slice())
      if (updates.length > 0) entry.lastModified = options.lastModified ?? Date.now()
      for (const [clientId, user] of newOwners ?? []) entry.owners.set(clientId, user)
    },
    async replace(name, snapshot) {
      assertOpen()
      const entry = entryOf(name)
      entry.snapshot = snapshot.slice()
      entry.updates = []
    },
    async delete(name, options = {}) {
      assertOpen()
      docs.delete(name)
      if (options.tombstoneAt === undefined) tombstones.delete(name)
      else tombstones.set(name, options.tombstoneAt)
    },
    async list(options = {}): Promise<StoredDocPage> {
      assertOpen()
      const limit = options.limit ?? 100
      const after = options.after
      const names = [...docs.keys()].filter(
        (n) =>
          hasContent(docs.get(n) as Entry) && (after === undefined || compareUtf8(n, after) > 0),
      )
      names.sort(compareUtf8)
      const page = names.slice(0, limit)
      const result: StoredDocPage = {
        docs: page.map((name) => {
          const entry = docs.get(name) as Entry
          return {
            name,
            bytes: (entry.snapshot?.byteLength ?? 0) + sumBytes(entry.updates),
            lastModified: entry.lastModified,
          }
        }),
      }
      const last = page.at(-1)
      return names.length > limit && last !== undefined ? { ...result, next: last } : result
    },
    async listTombstones(options = {}): Promise<TombstonePage> {
      assertOpen()
      const limit = options.limit ?? 100
      const after = options.after
      const names = [...tombstones.keys()].filter(
        (n) => after === undefined || compareUtf8(n, after) > 0,
      )
      names.sort(compareUtf8)
      const page = names.slice(0, limit).map((name) => ({
        name,
        deletedAt: tombstones.get(name) as number,
      }))
      const last = page.at(-1)
      return names.length > limit && last !== undefined
        ? { tombstones: page, next: last.name }
        : { tombstones: page }
    },
    async saveVersion(name, version) {
      assertOpen()
      const entry = entryOf(name)
      const info: VersionInfo = {
        id: entry.nextVersionId++,
        createdAt: version.createdAt,
        label: version.label,
        kind: version.kind,
        bytes: version.content.byteLength,
      }
      entry.versions.set(info.id, { info, content: version.content.slice() })
      return info
    },
    async listVersions(name) {
      assertOpen()
      const versions = docs.get(name)?.versions
      if (versions === undefined) return []
      return [...versions.values()].map((v) => v.info).sort((a, b) => a.id - b.id)
    },
    async loadVersion(name, id) {
      assertOpen()
      return docs.get(name)?.versions.get(id)?.content.slice() ?? null
    },
    async deleteVersions(name, ids) {
      assertOpen()
      const versions = docs.get(name)?.versions
      for (const id of ids) versions?.delete(id)
    },
    async close() {
      open = false
    },
  }
}

function sumBytes(updates: readonly Uint8Array[]): number {
  let n = 0
  for (const u of updates) n += u.byteLength
  return n
}

/** Byte order of the UTF-8 encodings, the order LevelDB keeps keys in. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
