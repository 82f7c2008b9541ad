/**
 * Storing a copy of a document that another node gave in a hand-off (the answer to `take`):
 * its content and client-id owners, its versions and its tombstone. Two targets:
 *
 * - `storeCopy`: into storage, before the document's room loads (the gather);
 * - `mergeCopy`: into a room that is already loaded (an offer arriving later).
 *
 * Order, so that a hand-off cut short anywhere loses nothing and duplicates nothing: the
 * tombstones are reconciled first (`copy-reconcile.ts`), then the content is stored (so the
 * room can be served even if the rest fails), then each version is fetched from the holder
 * and imported, one per request (a version is a full document state; one link frame holds
 * one), skipping those already here (`importVersion`). Only a copy stored completely is
 * `complete`: the caller sends `commit` (and the holder deletes its copy) only then; otherwise
 * the holder keeps everything and offers it again.
 */
import type { ServerMetrics } from '../metrics.js'
import type { Room } from '../room/room.js'
import type { DocStore, NewVersion, VersionInfo } from '../storage/doc-store.js'
import { importVersion } from '../storage/version-import.js'
import { type CopyFacts, liveTombstone, reconcileCopies } from './copy-reconcile.js'
import { LinkRequestError } from './node-link.js'

/** A copy as the holder gave it. */
export interface GivenCopy {
  /** The holder's whole stored state (one merged Yjs update); empty when it has none. */
  readonly update: Uint8Array
  readonly owners: readonly (readonly [number, string])[]
  /** Ids of the holder's versions, oldest first. */
  readonly versions: readonly number[]
  /** The holder's live tombstone, or null. */
  readonly deletedAt: number | null
  /** When the holder's content last changed, or null. */
  readonly lastModified: number | null
}

/**
 * The holder answered `stale` for a version: the copy it gave is no longer its latest (it
 * loaded the document again). What was stored stays; the copy is taken again later.
 */
export class StaleCopyError extends Error {
  override readonly name = 'StaleCopyError'
}

/**
 * A loaded room cannot take this copy now: one of the two is deleted and the other one is not
 * covered by that deletion (see `copy-reconcile.ts`), which takes deleting or re-creating the
 * document under its clients. The offer is retried, and once the room is unloaded, the load
 * that follows reconciles the copies in storage (`storeCopy`).
 */
export class CopyDeferredError extends Error {
  override readonly name = 'CopyDeferredError'
}

/** What storing a copy needs. */
export interface IntakeDeps {
  readonly store: DocStore
  readonly metrics: ServerMetrics
  /** The current time (the rooms' clock), for tombstones. */
  readonly now: () => number
  /** `--tombstone-ttl`. */
  readonly tombstoneMs: number
  /**
   * Fetch one of the copy's versions from its holder: null when it has no such version.
   *
   * @throws {StaleCopyError} when the holder's copy changed since it was given.
   * @throws {LinkRequestError} when the holder did not answer (`remote`: it failed to).
   */
  readonly fetchVersion: (id: number) => Promise<NewVersion | null>
  /** Report a version that could not be moved (the copy then stays on the holder). */
  readonly onVersionFailed: (id: number, error: unknown) => void
}

/** How much of a copy was stored. */
export interface IntakeResult {
  /** Content bytes stored (0 when the copy had none or a deletion covered it). */
  readonly bytes: number
  /** Versions stored here now (not counting duplicates). */
  readonly versions: number
  /** Everything the copy holds is here (or covered by a deletion): the holder may delete it. */
  readonly complete: boolean
}

const hasContent = (copy: GivenCopy): boolean => copy.update.byteLength > 0

/** The copy's facts, for `reconcileCopies`. */
function incomingFacts(copy: GivenCopy): CopyFacts {
  return {
    hasData: hasContent(copy) || copy.owners.length > 0 || copy.versions.length > 0,
    lastModified: copy.lastModified,
    deletedAt: copy.deletedAt,
  }
}

/** Store `copy` of `doc` in storage, reconciled with what is stored here (see the module comment). */
export async function storeCopy(
  doc: string,
  copy: GivenCopy,
  deps: IntakeDeps,
): Promise<IntakeResult> {
  const { store } = deps
  const local = await store.load(doc)
  const localVersions = await store.listVersions(doc)
  const hasLocal =
    local.updates.length > 0 || local.clientOwners.size > 0 || localVersions.length > 0
  const plan = reconcileCopies(
    { hasData: hasLocal, lastModified: local.lastModified, deletedAt: local.deletedAt },
    incomingFacts(copy),
    { nowMs: deps.now(), tombstoneMs: deps.tombstoneMs },
  )
  const keptLocal = hasLocal && plan.keepLocal
  // Remove what a deletion covers, write the tombstone that counts, or drop one that does not.
  if (hasLocal ? !plan.keepLocal : plan.tombstone !== local.deletedAt) {
    await store.delete(doc, plan.tombstone === null ? {} : { tombstoneAt: plan.tombstone })
  }
  if (!plan.takeIncoming) return { bytes: 0, versions: 0, complete: true }
  const owners = new Map(copy.owners)
  // A client id stays bound to the user who had it here first.
  if (keptLocal) for (const client of local.clientOwners.keys()) owners.delete(client)
  if (hasContent(copy) || owners.size > 0) {
    const times = [copy.lastModified, keptLocal ? local.lastModified : null].filter(
      (t): t is number => t !== null,
    )
    await store.append(
      doc,
      hasContent(copy) ? [copy.update] : [],
      owners,
      times.length > 0 ? { lastModified: Math.max(...times) } : {},
    )
  }
  let known: VersionInfo[] = keptLocal ? localVersions : []
  const versions = await importVersions(copy, deps, async (version) => {
    const info = await importVersion(store, doc, known, version)
    if (info !== null) known = [...known, info]
    return info
  })
  return { bytes: copy.update.byteLength, ...versions }
}

/**
 * Merge `copy` into `room`, loaded and possibly serving clients: the content is stored, then
 * relayed to them; versions go through the room's own version list.
 *
 * @throws {CopyDeferredError} when a tombstone on either side stands against the other's
 * content (see the class).
 * @throws {RoomFailedError} when Yjs fails to integrate the content: discard the room.
 */
export async function mergeCopy(
  room: Room,
  copy: GivenCopy,
  deps: IntakeDeps,
): Promise<IntakeResult> {
  const incoming = incomingFacts(copy)
  const clock = { nowMs: deps.now(), tombstoneMs: deps.tombstoneMs }
  const deletedHere = room.deletedAt
  if (deletedHere !== null) {
    const plan = reconcileCopies(
      { hasData: false, lastModified: null, deletedAt: deletedHere },
      incoming,
      clock,
    )
    if (plan.takeIncoming) {
      throw new CopyDeferredError('the copy re-creates a document deleted here; later')
    }
    // Covered by the deletion here (or itself only a tombstone): nothing to keep.
    return { bytes: 0, versions: 0, complete: true }
  }
  if (liveTombstone(copy.deletedAt, clock) !== null) {
    throw new CopyDeferredError('the copy deletes a document loaded here; later')
  }
  if (hasContent(copy) || copy.owners.length > 0) {
    room.merge(hasContent(copy) ? copy.update : EMPTY_UPDATE, new Map(copy.owners))
    await room.flush()
  }
  const versions = await importVersions(copy, deps, (version) => room.importVersion(version))
  return { bytes: copy.update.byteLength, ...versions }
}

/** The Yjs update that changes nothing. */
const EMPTY_UPDATE = Uint8Array.of(0, 0)

/** Fetch and store each of the copy's versions, one at a time. */
async function importVersions(
  copy: GivenCopy,
  deps: IntakeDeps,
  save: (version: NewVersion) => Promise<VersionInfo | null>,
): Promise<{ versions: number; complete: boolean }> {
  let stored = 0
  let complete = true
  for (const id of copy.versions) {
    let version: NewVersion | null
    try {
      version = await deps.fetchVersion(id)
    } catch (error) {
      if (error instanceof StaleCopyError) return { versions: stored, complete: false }
      // The holder could not send it (too large for a link frame, a storage error): the rest
      // still moves, and the copy stays on the holder, this version with it.
      if (error instanceof LinkRequestError && error.reason === 'remote') {
        deps.onVersionFailed(id, error)
        complete = false
        continue
      }
      throw error
    }
    if (version === null) continue
    const info = await save(version)
    deps.metrics.handoffVersions.inc({ result: info === null ? 'duplicate' : 'stored' })
    if (info !== null) stored++
  }
  return { versions: stored, complete }
}
