/**
 * The holder's side of a hand-off: giving this node's copy of a document to the node that now
 * owns it (`take`), then its versions one per request (`version`: each is a full document
 * state, so a link frame holds one, never the whole history), and deleting the copy —
 * content, versions and tombstone — once the new owner has stored all of it (`commit`).
 *
 * A copy given out is named by a token. Loading the document here again (the view changed
 * back) makes the token stale: its versions are then refused (`stale`) and its commit deletes
 * nothing, so a copy is only ever deleted in the state the new owner stored.
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { ServerMetrics } from '../metrics.js'
import type { DocStore, VersionInfo } from '../storage/doc-store.js'
import { KeyedSerializer } from '../storage/keyed-serializer.js'
import { byCreation } from '../storage/version-import.js'
import { liveTombstone } from './copy-reconcile.js'
import type { HandoffRooms } from './handoff.js'
import { HISTORY_REVISION, type LinkResponse } from './link-codec.js'
import type { Membership } from './membership.js'

/** Services of the giver. */
export interface CopyGiverDeps {
  readonly membership: Membership
  readonly store: DocStore
  readonly rooms: Pick<HandoffRooms, 'has' | 'evict'>
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** The current time (the rooms' clock), for tombstones. */
  readonly now: () => number
  /** `doc` was handed over: the copy here is deleted. */
  readonly onGiven: (doc: string) => void
  /** The expired tombstone of `doc`, a document another node owns, was dropped. */
  readonly onDropped: (doc: string) => void
}

/** A copy given out and not yet committed. */
interface Given {
  readonly token: number
  /** The versions it holds, by id. */
  readonly versions: ReadonlyMap<number, VersionInfo>
  /** Whether it holds a live tombstone. */
  readonly deleted: boolean
}

const EMPTY = new Uint8Array(0)

/** Gives this node's copies away; see the module comment. */
export class CopyGiver {
  readonly #tombstoneMs: number
  readonly #deps: CopyGiverDeps
  /** Per document: gives, version reads, commits and drops run one at a time. */
  readonly #serial = new KeyedSerializer()
  readonly #given = new Map<string, Given>()
  #nextToken = 1

  constructor(options: { readonly tombstoneMs: number }, deps: CopyGiverDeps) {
    this.#tombstoneMs = options.tombstoneMs
    this.#deps = deps
  }

  /** A tombstone's time if it still counts, else null. */
  live(deletedAt: number | null): number | null {
    return liveTombstone(deletedAt, { nowMs: this.#deps.now(), tombstoneMs: this.#tombstoneMs })
  }

  /** A room for `doc` was loaded here: a copy given out before is no longer the latest. */
  invalidate(doc: string): void {
    this.#given.delete(doc)
  }

  /** Answer `take` from `to`, which asks because it thinks it owns `doc`. */
  give(to: string, doc: string): Promise<LinkResponse> {
    const { membership, rooms, store } = this.#deps
    const refused = (): LinkResponse => ({ op: 'take', result: 'refused', owner: membership.self })
    if (membership.ownerOf(doc) === membership.self) return Promise.resolve(refused())
    return this.#serial.run(doc, async (): Promise<LinkResponse> => {
      // Unloading stores everything, and takes the automatic version due (it moves too).
      if (rooms.has(doc)) await rooms.evict(doc)
      if (membership.ownerOf(doc) === membership.self) return refused()
      const stored = await store.load(doc)
      const versions = (await store.listVersions(doc)).sort(byCreation)
      const deletedAt = this.live(stored.deletedAt)
      const bare = stored.updates.length === 0 && stored.clientOwners.size === 0
      if (bare && versions.length === 0 && deletedAt === null) {
        if (stored.deletedAt !== null) await this.#drop(doc)
        return { op: 'take', result: 'none' }
      }
      const token = this.#nextToken++
      this.#given.set(doc, {
        token,
        versions: new Map(versions.map((v) => [v.id, v])),
        deleted: deletedAt !== null,
      })
      const update =
        stored.updates.length === 0
          ? EMPTY
          : stored.updates.length === 1
            ? (stored.updates[0] as Uint8Array)
            : Y.mergeUpdates(stored.updates)
      this.#deps.logger.debug(
        { room: doc, to, bytes: update.byteLength, versions: versions.length, deletedAt },
        'handing document over',
      )
      return {
        op: 'take',
        result: 'state',
        token,
        update,
        owners: [...stored.clientOwners],
        versions: versions.map((v) => v.id),
        deletedAt,
        lastModified: stored.lastModified,
      }
    })
  }

  /** Answer `version`: one version of the copy of `doc` given with `token`. */
  sendVersion(doc: string, token: number, id: number): Promise<LinkResponse> {
    return this.#serial.run(doc, async (): Promise<LinkResponse> => {
      const given = this.#given.get(doc)
      if (given?.token !== token) return { op: 'version', result: 'stale' }
      const info = given.versions.get(id)
      const content = info === undefined ? null : await this.#deps.store.loadVersion(doc, id)
      if (info === undefined || content === null) return { op: 'version', result: 'gone' }
      const { createdAt, label, kind } = info
      return { op: 'version', result: 'content', createdAt, label, kind, content }
    })
  }

  /** Answer `commit` from `from`: it stored the copy given with `token`; delete it here. */
  commit(from: string, doc: string, token: number): Promise<LinkResponse> {
    const { membership, rooms, store, metrics } = this.#deps
    return this.#serial.run(doc, async (): Promise<LinkResponse> => {
      const given = this.#given.get(doc)
      const unchanged = given?.token === token && !rooms.has(doc)
      if (!unchanged || membership.ownerOf(doc) === membership.self) {
        return { op: 'commit', deleted: false }
      }
      if (
        membership.peerProtocol(from) < HISTORY_REVISION &&
        (given.versions.size > 0 || given.deleted)
      ) {
        // An older release took the content only: keep the history until it is upgraded and
        // takes the copy again.
        this.#deps.logger.warn(
          { room: doc, peer: from },
          'keeping versions an older node cannot take',
        )
        return { op: 'commit', deleted: false }
      }
      this.#given.delete(doc)
      // Content, versions and tombstone: the new owner has all of them now.
      await store.delete(doc)
      metrics.handoffs.inc({ direction: 'given' })
      this.#deps.logger.info({ room: doc }, 'document handed over; local copy deleted')
      this.#deps.onGiven(doc)
      return { op: 'commit', deleted: true }
    })
  }

  /**
   * Drop the tombstone of `doc`, a document another node owns, if it expired and nothing
   * else is stored for it: an expired tombstone is not handed over.
   */
  dropIfExpired(doc: string): Promise<void> {
    const { membership, store } = this.#deps
    return this.#serial.run(doc, async () => {
      if (membership.ownerOf(doc) === membership.self) return
      const stored = await store.load(doc)
      const bare = stored.updates.length === 0 && stored.clientOwners.size === 0
      if (bare && stored.deletedAt !== null && this.live(stored.deletedAt) === null) {
        await this.#drop(doc)
      }
    })
  }

  /** Delete the expired tombstone of `doc` (inside `#serial`). */
  async #drop(doc: string): Promise<void> {
    await this.#deps.store.delete(doc)
    this.#deps.logger.debug({ room: doc }, 'expired tombstone of a foreign document dropped')
    this.#deps.onDropped(doc)
  }
}
