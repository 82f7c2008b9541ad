/**
 * The rooms of one server: loads each document once however many clients join at the same
 * time, and flushes and unloads rooms nobody has used for `idleTimeoutMs`.
 */
import type { Logger } from 'pino'
import type { ServerMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import { loadRoom, type Room, type RoomDeps, type RoomOptions } from './room.js'

/** Services of the registry: those of its rooms, and notifications. */
export interface RoomRegistryDeps extends RoomDeps {
  readonly onRoomLoaded: (name: string) => void
  readonly onRoomUnloaded: (name: string) => void
  /**
   * Runs before a document is read from storage; the room loads once it resolves, and fails
   * to load when it rejects. The cluster merges other nodes' copies of the document here.
   */
  readonly beforeLoad?: (name: string) => Promise<void>
}

/** Registry settings. */
export interface RoomRegistryOptions {
  /** A room without clients for this long is flushed, compacted and unloaded. */
  readonly idleTimeoutMs: number
  /** Rooms in memory at once; loading another is refused with `RoomLimitError`. */
  readonly maxRooms: number
  readonly room: RoomOptions
}

/** Too many rooms are in memory to load another one now. */
export class RoomLimitError extends Error {
  override readonly name = 'RoomLimitError'
}

/**
 * The document cannot be served right now (for example it is being handed over between
 * cluster nodes); clients should retry. The message says why.
 */
export class RoomUnavailableError extends Error {
  override readonly name = 'RoomUnavailableError'
  /** What the room's clients are closed with: 1013 (try again later) or 4503 (moved). */
  readonly closeCode: number

  constructor(message: string, options: { closeCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.closeCode = options.closeCode ?? 1013
  }
}

/** A claim on a room; see `RoomRegistry.acquire`. */
export interface RoomHold {
  /** The loaded room; rejects when loading failed. */
  readonly ready: Promise<Room>
  /** Give the hold back (idempotent). The last release starts the idle timer. */
  release(): void
}

interface Entry {
  /** Connections holding the room (joined, or waiting for it to load). */
  holds: number
  /** The room, once loaded. */
  room: Room | null
  /** The load in progress or done; shared by everyone who joins meanwhile. */
  loading: Promise<Room>
  idleTimer: NodeJS.Timeout | null
  /** Set while the room is being flushed and unloaded. */
  unloading: Promise<void> | null
}

/** Loads, shares and unloads rooms. */
export class RoomRegistry {
  readonly #entries = new Map<string, Entry>()
  /** Documents being deleted: joins wait until the deletion is stored, then load afresh. */
  readonly #deleting = new Map<string, Promise<void>>()
  readonly #options: RoomRegistryOptions
  readonly #deps: RoomRegistryDeps
  readonly #logger: Logger
  readonly #metrics: ServerMetrics

  constructor(options: RoomRegistryOptions, deps: RoomRegistryDeps) {
    this.#options = options
    this.#deps = deps
    this.#logger = deps.logger
    this.#metrics = deps.metrics
  }

  /** Number of rooms in memory (loaded or loading). */
  get size(): number {
    return this.#entries.size
  }

  /** The loaded room of `name`, if there is one (without holding it). */
  peek(name: string): Room | null {
    const entry = this.#entries.get(name)
    return entry === undefined || entry.unloading !== null ? null : entry.room
  }

  /** Loaded rooms. */
  *rooms(): IterableIterator<Room> {
    for (const entry of this.#entries.values()) if (entry.room !== null) yield entry.room
  }

  /** Names of the documents in memory (loaded, loading or unloading). */
  names(): string[] {
    return [...this.#entries.keys()]
  }

  /** Whether the document is in memory (loaded, loading or unloading). */
  has(name: string): boolean {
    return this.#entries.has(name)
  }

  /**
   * Unload a room now if nobody holds it (instead of after the idle timeout): for rooms that
   * were loaded only to take a cluster hand-off in.
   */
  unloadIfUnused(name: string): void {
    const entry = this.#entries.get(name)
    if (entry === undefined || entry.holds > 0 || entry.room === null) return
    void this.#unload(name, entry, 'idle')
  }

  /**
   * Flush and unload a room now, whoever holds it: peers still in it are closed with
   * `code`. Resolves once its updates are stored and it is gone (at once when not loaded).
   */
  async evict(name: string, code: number, reason: string): Promise<void> {
    const entry = this.#entries.get(name)
    if (entry === undefined) return
    if (entry.unloading !== null) return entry.unloading
    let room: Room
    try {
      room = await entry.loading
    } catch {
      return // Failed to load: nothing in memory to store.
    }
    if (this.#entries.get(name) !== entry) return
    if (entry.unloading !== null) return entry.unloading
    room.closePeers(code, reason)
    return this.#unload(name, entry, 'evicted')
  }

  /**
   * Hold the room of `name`, loading it if nobody else already is. The hold keeps the room
   * loaded until it is released; release every hold exactly once, whether or not `ready`
   * resolved.
   */
  acquire(name: string): RoomHold {
    let held: Entry | null = null
    let released = false
    const bind = (): Promise<Room> => {
      const deleting = this.#deleting.get(name)
      if (deleting !== undefined) {
        return deleting.then(() =>
          released ? Promise.reject(new Error('hold released while waiting')) : bind(),
        )
      }
      const existing = this.#entries.get(name)
      if (existing?.unloading != null) {
        // Being unloaded: wait until it is gone, then load it afresh.
        return existing.unloading.then(() =>
          released ? Promise.reject(new Error('hold released while waiting')) : bind(),
        )
      }
      if (existing === undefined && this.#entries.size >= this.#options.maxRooms) {
        return Promise.reject(new RoomLimitError(`${this.#entries.size} documents are open`))
      }
      const entry = existing ?? this.#load(name)
      entry.holds++
      this.#cancelIdle(entry)
      held = entry
      return entry.loading
    }
    const ready = bind()
    return {
      ready,
      release: () => {
        if (released) return
        released = true
        if (held !== null) this.#release(name, held)
      },
    }
  }

  #load(name: string): Entry {
    const entry: Entry = {
      holds: 0,
      room: null,
      loading: this.#loadRoom(name),
      idleTimer: null,
      unloading: null,
    }
    this.#entries.set(name, entry)
    this.#metrics.roomsLoaded.set(this.#entries.size)
    entry.loading.then(
      (room) => {
        entry.room = room
        this.#deps.onRoomLoaded(name)
        if (entry.holds === 0) this.#startIdle(name, entry)
      },
      (error: unknown) => {
        if (error instanceof RoomUnavailableError) {
          this.#logger.warn({ room: name, reason: error.message }, 'document unavailable for now')
        } else {
          this.#metrics.roomLoadFailures.inc()
          this.#logger.error({ err: error, room: name }, 'loading the document failed')
        }
        this.#remove(name, entry)
      },
    )
    return entry
  }

  async #loadRoom(name: string): Promise<Room> {
    if (this.#deps.beforeLoad !== undefined) await this.#deps.beforeLoad(name)
    return loadRoom(name, this.#options.room, this.#deps)
  }

  #release(name: string, entry: Entry): void {
    entry.holds--
    if (entry.holds === 0 && entry.room !== null) this.#startIdle(name, entry)
  }

  #startIdle(name: string, entry: Entry): void {
    if (entry.unloading !== null || entry.idleTimer !== null) return
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = null
      void this.#unload(name, entry, 'idle')
    }, this.#options.idleTimeoutMs)
    entry.idleTimer.unref()
  }

  /**
   * Drop a room that can no longer be used (its peers are being closed). What it made durable
   * stays; the next `acquire` loads it from storage again.
   */
  discard(room: Room): void {
    const entry = this.#entries.get(room.name)
    if (entry === undefined || entry.room !== room || entry.unloading !== null) return
    void this.#unload(room.name, entry, 'failed')
  }

  /**
   * Delete a document: close its clients with 4410, stop its room, and remove everything
   * stored for it (versions included) in one atomic write, leaving a tombstone dated
   * `tombstoneAt` if given. Joins meanwhile wait, then find the document gone. Resolves once
   * the deletion is stored.
   */
  deleteDocument(name: string, tombstoneAt?: number): Promise<void> {
    const running = this.#deleting.get(name)
    if (running !== undefined) return running
    const entry = this.#entries.get(name)
    const deletion = (async () => {
      if (entry !== undefined) await this.#stopForDeletion(name, entry)
      await this.#deps.store.delete(name, tombstoneAt === undefined ? undefined : { tombstoneAt })
      this.#logger.info({ room: name, tombstone: tombstoneAt !== undefined }, 'document deleted')
    })().finally(() => this.#deleting.delete(name))
    this.#deleting.set(name, deletion)
    return deletion
  }

  /** Stop the room of a document being deleted; writes in flight finish before the deletion. */
  async #stopForDeletion(name: string, entry: Entry): Promise<void> {
    if (entry.unloading !== null) {
      await entry.unloading
      return
    }
    this.#cancelIdle(entry)
    // Marked as unloading from now on, so no idle timer starts once it has loaded.
    entry.unloading = (async () => {
      let room: Room | null = null
      try {
        room = await entry.loading
      } catch {
        // It failed to load (logged by #load): there is no room to stop.
      }
      if (room === null) return
      room.shut(CloseCode.documentDeleted, 'document deleted')
      this.#metrics.roomUnloads.inc()
    })().finally(() => {
      this.#remove(name, entry)
      this.#deps.onRoomUnloaded(name)
    })
    await entry.unloading
  }

  /** Flush and unload every room (for shutdown). Resolves when all are stored. */
  async closeAll(): Promise<void> {
    const unloads: Promise<void>[] = []
    for (const [name, entry] of this.#entries) {
      unloads.push(
        entry.unloading ??
          entry.loading.then(
            () => this.#unload(name, entry, 'shutdown'),
            () => undefined,
          ),
      )
    }
    await Promise.all([...unloads, ...this.#deleting.values()])
  }

  #unload(
    name: string,
    entry: Entry,
    why: 'idle' | 'failed' | 'shutdown' | 'evicted',
  ): Promise<void> {
    if (entry.unloading !== null) return entry.unloading
    this.#cancelIdle(entry)
    const room = entry.room
    entry.unloading = (async () => {
      if (room === null) return
      try {
        if (why === 'failed') {
          await room.flush()
        } else {
          await room.beforeUnload()
          await room.flushAndCompact()
        }
      } catch (error) {
        this.#logger.error(
          { err: error, room: name, why },
          'flushing the room before unloading failed',
        )
      }
      room.destroy()
      this.#metrics.roomUnloads.inc()
      this.#logger.debug({ room: name, why }, 'room unloaded')
    })().finally(() => {
      this.#remove(name, entry)
      this.#deps.onRoomUnloaded(name)
    })
    return entry.unloading
  }

  #remove(name: string, entry: Entry): void {
    this.#cancelIdle(entry)
    if (this.#entries.get(name) === entry) this.#entries.delete(name)
    this.#metrics.roomsLoaded.set(this.#entries.size)
  }

  #cancelIdle(entry: Entry): void {
    if (entry.idleTimer !== null) clearTimeout(entry.idleTimer)
    entry.idleTimer = null
  }
}
