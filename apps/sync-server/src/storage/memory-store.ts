import { type DocStore, StoreClosedError, type StoredDoc, type StoredDocPage } from './doc-store.js'

interface Entry {
  snapshot: Uint8Array | null
  updates: Uint8Array[]
  owners: Map<number, string>
}

/**
 * A `DocStore` in process memory. Nothing survives a restart: for tests, benchmarks and
 * throw-away servers (`--storage memory`).
 */
export function createMemoryStore(): DocStore {
  const docs = new Map<string, Entry>()
  let open = true

  const assertOpen = (): void => {
    if (!open) throw new StoreClosedError()
  }

  return {
    get isOpen() {
      return open
    },
    async load(name): Promise<StoredDoc> {
      assertOpen()
      const entry = docs.get(name)
      if (entry === undefined) {
        return {
          updates: [],
          snapshotBytes: 0,
          appendedCount: 0,
          appendedBytes: 0,
          clientOwners: new Map(),
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
      }
    },
    async append(name, updates, newOwners) {
      assertOpen()
      let entry = docs.get(name)
      if (entry === undefined) {
        entry = { snapshot: null, updates: [], owners: new Map() }
        docs.set(name, entry)
      }
      // Copy: callers pass views into socket frames.
      for (const update of updates) entry.updates.push(update.slice())
      for (const [clientId, user] of newOwners ?? []) entry.owners.set(clientId, user)
    },
    async replace(name, snapshot) {
      assertOpen()
      const owners = docs.get(name)?.owners ?? new Map<number, string>()
      docs.set(name, { snapshot: snapshot.slice(), updates: [], owners })
    },
    async delete(name) {
      assertOpen()
      docs.delete(name)
    },
    async list(options = {}): Promise<StoredDocPage> {
      assertOpen()
      const limit = options.limit ?? 100
      const after = options.after
      const names = [...docs.keys()].filter((n) => after === undefined || compareUtf8(n, after) > 0)
      names.sort(compareUtf8)
      const page = names.slice(0, limit)
      const result: StoredDocPage = {
        docs: page.map((name) => {
          const entry = docs.get(name) as Entry
          return { name, bytes: (entry.snapshot?.byteLength ?? 0) + sumBytes(entry.updates) }
        }),
      }
      const last = page.at(-1)
      return names.length > limit && last !== undefined ? { ...result, next: last } : result
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
