/**
 * The saved versions of one room's document: automatic ones while it is edited, labelled
 * ones on request, and retention after each save.
 *
 * An automatic version is taken `versionIntervalMs` after the first change that is not in a
 * version yet, and before the room is unloaded if that comes first, so no editing session
 * goes unrecorded. No version is ever saved of a document that did not change since the
 * newest version: the current Yjs snapshot (state vector + delete set) is compared with the
 * newest version's. Versions hold the full Yjs state (`Y.encodeStateAsUpdate`): the document
 * runs with garbage collection, so a Yjs snapshot alone could not bring old content back.
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { ServerMetrics } from '../metrics.js'
import type { DocStore, NewVersion, VersionInfo, VersionKind } from '../storage/doc-store.js'
import { byCreation, importVersion } from '../storage/version-import.js'
import { RoomClosedError } from './room-persistence.js'
import { canSaveLabelled, type RetentionPolicy, versionsToPrune } from './version-retention.js'

/** Version settings, from the server config. */
export interface VersionOptions extends RetentionPolicy {
  /** Take an automatic version this long after the first change not in one; 0: never. */
  readonly versionIntervalMs: number
}

/** Time and timers, injected so tests control them. */
export interface RoomClock {
  now(): number
  /** Run `callback` after `ms`; what it returns (a promise of its work) is for test clocks. */
  setTimeout(callback: () => unknown, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** The real clock; its timers do not keep the process alive. */
export const systemClock: RoomClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/** A document has as many labelled versions as it may have. */
export class VersionLimitError extends Error {
  override readonly name = 'VersionLimitError'
}

/** What the versions need from their room. */
export interface VersionsHost {
  readonly name: string
  readonly store: DocStore
  readonly logger: Logger
  readonly metrics: ServerMetrics
  readonly clock: RoomClock
  /** Resolves once everything applied so far is durable; rejects if the room closed. */
  durable(): Promise<void>
  /** The document's full state, without structs held back for missing dependencies. */
  state(): Uint8Array
  /** The document's Yjs snapshot (state vector and delete set), to compare states. */
  snapshot(): Y.Snapshot
}

/** Versions of one room; see the module comment. */
export class RoomVersions {
  readonly #host: VersionsHost
  readonly #options: VersionOptions
  #timer: unknown = null
  /** Changes were made since the last version (or the last check that found none). */
  #dirty = false
  #disposed = false
  /** The newest version's snapshot: undefined until read from storage, null when none. */
  #newest: Y.Snapshot | null | undefined = undefined
  /**
   * The document's versions as stored, oldest first (by creation time: a history merged in a
   * cluster hand-off may have ids out of that order): read once, then kept up to date by this
   * room (which is the only writer of its document's versions), so a save costs one write.
   */
  #known: VersionInfo[] | null = null
  /** Saves run one at a time, so each compares against the one before. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(host: VersionsHost, options: VersionOptions) {
    this.#host = host
    this.#options = options
  }

  /** A change became durable: start the automatic-version timer if it is not running. */
  noteChange(): void {
    this.#dirty = true
    if (this.#disposed || this.#timer !== null || this.#options.versionIntervalMs <= 0) return
    this.#timer = this.#host.clock.setTimeout(() => {
      this.#timer = null
      return this.#saveAuto()
    }, this.#options.versionIntervalMs)
  }

  /**
   * Save a version now (`manual` for a request, `auto` for one the server takes).
   *
   * @throws {VersionLimitError} for a manual version beyond `maxLabelled`.
   * @throws {RoomClosedError} when the room closed meanwhile.
   */
  save(label: string | null, kind: VersionKind): Promise<VersionInfo> {
    return this.#serial(async () => {
      if (kind === 'manual') {
        if (!canSaveLabelled(await this.#list(), this.#options)) {
          throw new VersionLimitError(
            `the document has ${this.#options.maxLabelled} saved versions, the most it may have`,
          )
        }
      }
      return this.#write(label, kind)
    })
  }

  /** Save an automatic version unless the document is unchanged since the newest version. */
  saveIfChanged(label: string | null): Promise<VersionInfo | null> {
    return this.#serial(async () => {
      await this.#host.durable()
      const newest = await this.#newestSnapshot()
      if (newest !== null && Y.equalSnapshots(newest, this.#host.snapshot())) {
        this.#dirty = false
        return null
      }
      return this.#write(label, 'auto')
    })
  }

  /** Delete one version; resolves with whether it existed. */
  remove(id: number): Promise<boolean> {
    return this.#serial(async () => {
      const { store, name } = this.#host
      const known = await this.#list()
      if (!known.some((v) => v.id === id)) return false
      if (this.#disposed) throw new RoomClosedError('the room was closed')
      await store.deleteVersions(name, [id])
      this.#known = known.filter((v) => v.id !== id)
      // It may have been the newest: compare against what is stored from now on.
      this.#newest = undefined
      return true
    })
  }

  /**
   * Store a version saved on another node (a cluster hand-off) unless it is here already (see
   * `importVersion`). Resolves with the stored version, or null for a duplicate. Retention
   * applies at the next save.
   *
   * @throws {RoomClosedError} when the room closed.
   */
  import(version: NewVersion): Promise<VersionInfo | null> {
    return this.#serial(async () => {
      const { store, name } = this.#host
      const known = await this.#list()
      if (this.#disposed) throw new RoomClosedError('the room was closed')
      const info = await importVersion(store, name, known, version)
      if (info === null) return null
      this.#known = [...known, info].sort(byCreation)
      // It may be the newest now.
      this.#newest = undefined
      return info
    })
  }

  /** Before unloading: take the pending automatic version, if there are changes for one. */
  async flushPending(): Promise<void> {
    this.#cancelTimer()
    if (!this.#dirty || this.#options.versionIntervalMs <= 0) return
    await this.#saveAuto()
  }

  /** Stop: no timer, and no version is written from now on (the document may be deleted). */
  dispose(): void {
    this.#disposed = true
    this.#cancelTimer()
  }

  async #saveAuto(): Promise<void> {
    try {
      await this.saveIfChanged(null)
    } catch (error) {
      if (error instanceof RoomClosedError) return
      // The changes stay marked: the next change or the unload tries again.
      this.#host.metrics.versionFailures.inc()
      this.#host.logger.error(
        { err: error, room: this.#host.name },
        'saving an automatic version failed; trying again after the next change',
      )
    }
  }

  /** Store the current state as a version (after everything applied is durable), then prune. */
  async #write(label: string | null, kind: VersionKind): Promise<VersionInfo> {
    const { store, name, clock } = this.#host
    await this.#host.durable()
    // Checked right before the store call, which queues synchronously: a document being
    // deleted stops its room before deleting, so no version can land after the deletion.
    if (this.#disposed) throw new RoomClosedError('the room was closed')
    const snapshot = this.#host.snapshot()
    const info = await store.saveVersion(name, {
      createdAt: clock.now(),
      label,
      kind,
      content: this.#host.state(),
    })
    this.#newest = snapshot
    this.#dirty = false
    this.#known?.push(info)
    this.#host.metrics.versionsSaved.inc({ kind })
    await this.#prune()
    return info
  }

  async #prune(): Promise<void> {
    const { store, name, clock } = this.#host
    try {
      const known = await this.#list()
      const prune = versionsToPrune(known, this.#options, clock.now())
      if (prune.length === 0 || this.#disposed) return
      await store.deleteVersions(name, prune)
      const pruned = new Set(prune)
      this.#known = known.filter((v) => !pruned.has(v.id))
    } catch (error) {
      // The version is saved; old ones stay until the next save prunes them.
      this.#host.metrics.versionFailures.inc()
      this.#host.logger.error({ err: error, room: name }, 'pruning old versions failed')
    }
  }

  async #newestSnapshot(): Promise<Y.Snapshot | null> {
    if (this.#newest !== undefined) return this.#newest
    const { store, name } = this.#host
    const newest = (await this.#list()).at(-1)
    const content = newest === undefined ? null : await store.loadVersion(name, newest.id)
    if (content === null) {
      this.#newest = null
      return null
    }
    const doc = new Y.Doc({ gc: true })
    try {
      Y.applyUpdate(doc, content)
      this.#newest = Y.snapshot(doc)
    } finally {
      doc.destroy()
    }
    return this.#newest
  }

  async #list(): Promise<VersionInfo[]> {
    this.#known ??= (await this.#host.store.listVersions(this.#host.name)).sort(byCreation)
    return this.#known
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task)
    this.#queue = result.catch(() => undefined)
    return result
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.#host.clock.clearTimeout(this.#timer)
    this.#timer = null
  }
}
