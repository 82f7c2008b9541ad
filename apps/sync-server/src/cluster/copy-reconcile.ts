/**
 * What a node keeps when it takes another node's copy of a document in a hand-off and either
 * copy carries a tombstone. Pure.
 *
 * Content and history merge (Yjs updates commute; versions are imported once), but a deletion
 * and content cannot both win. The rule: **a deletion covers what was last changed before it;
 * content changed after a deletion is a re-creation, which lifts it.** Concretely:
 *
 * - Expired tombstones (older than `--tombstone-ttl`) count as absent and are dropped.
 * - The deletion that counts is the later of the two live tombstones.
 * - A copy (content, client-id owners and versions) is kept only when it was last modified
 *   after that deletion; an unknown last-modified time counts as before it.
 * - The tombstone is kept only when neither copy is.
 *
 * The comparison is by wall-clock times taken on different nodes, so it is only as exact as
 * their clocks agree; a deletion and a re-creation seconds apart on two nodes whose clocks
 * differ by more than that may resolve either way.
 */

/** What the reconciliation needs to know about one copy. */
export interface CopyFacts {
  /** Whether the copy holds anything besides a tombstone: content, client-id owners, versions. */
  readonly hasData: boolean
  /** When its content was last changed (ms since the epoch); null when unknown. */
  readonly lastModified: number | null
  /** Its tombstone (ms since the epoch), expired or not; null when none. */
  readonly deletedAt: number | null
}

/** The outcome, for the node taking the copy. */
export interface CopyPlan {
  /** Keep what is stored here (false: it is covered by a deletion; remove it). */
  readonly keepLocal: boolean
  /** Store the incoming copy (false: it is covered by a deletion; drop it, still commit). */
  readonly takeIncoming: boolean
  /** The tombstone the document has afterwards; null for none. */
  readonly tombstone: number | null
}

/** Tombstone settings. */
export interface TombstoneClock {
  readonly nowMs: number
  /** `--tombstone-ttl`: how long a tombstone counts. */
  readonly tombstoneMs: number
}

/** A tombstone's time if it still counts at `clock.nowMs`, else null. */
export function liveTombstone(deletedAt: number | null, clock: TombstoneClock): number | null {
  return deletedAt !== null && clock.nowMs < deletedAt + clock.tombstoneMs ? deletedAt : null
}

/**
 * Decide what survives when `incoming` is merged into `local`.
 *
 * @example
 * // A stale copy arrives at a node that deleted the document since: it is dropped.
 * reconcileCopies(
 *   { hasData: false, lastModified: null, deletedAt: 2000 },
 *   { hasData: true, lastModified: 1000, deletedAt: null },
 *   { nowMs: 3000, tombstoneMs: 60_000 },
 * ) // { keepLocal: true, takeIncoming: false, tombstone: 2000 }
 */
export function reconcileCopies(
  local: CopyFacts,
  incoming: CopyFacts,
  clock: TombstoneClock,
): CopyPlan {
  const mine = liveTombstone(local.deletedAt, clock)
  const theirs = liveTombstone(incoming.deletedAt, clock)
  const deletion = mine === null ? theirs : theirs === null ? mine : Math.max(mine, theirs)
  if (deletion === null) return { keepLocal: true, takeIncoming: true, tombstone: null }
  const after = (copy: CopyFacts): boolean =>
    copy.hasData && copy.lastModified !== null && copy.lastModified > deletion
  const keepLocal = !local.hasData || after(local)
  const takeIncoming = after(incoming)
  const recreated = (local.hasData && keepLocal) || takeIncoming
  return { keepLocal, takeIncoming, tombstone: recreated ? null : deletion }
}
