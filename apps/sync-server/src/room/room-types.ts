/**
 * What a room is made of and works with: its peers, settings and services, and the origins
 * of the changes it applies. Split from `room.ts`, which re-exports what others use.
 */
import type { Logger } from 'pino'
import type { Grant } from '../auth/grant.js'
import type { SentFrameKind, ServerMetrics } from '../metrics.js'
import type { DocStore } from '../storage/doc-store.js'
import type { DocGuardOptions } from './doc-guard.js'
import type { PersistenceOptions } from './room-persistence.js'
import type { RoomPresenceOptions } from './room-presence.js'
import type { RoomClock, VersionOptions } from './room-versions.js'

/** What a room needs from a connected client. */
export interface Peer {
  /** Short id for logs. */
  readonly id: string
  /** What the client may do; with a user, its identity replaces the one in its presence. */
  readonly grant: Grant
  /** Send one frame of message type `type` (for metrics); a peer that cannot take it closes itself. */
  send(frame: Uint8Array, type: SentFrameKind): void
  /** Close the peer's connection with a close code and reason. */
  close(code: number, reason: string): void
}

/** Room settings, from the server config. */
export interface RoomOptions
  extends PersistenceOptions,
    DocGuardOptions,
    VersionOptions,
    RoomPresenceOptions {
  /**
   * How long after a document's deletion its clients are refused with 4410 (so a stale copy
   * is not silently re-sent); 0: not at all. A change through the REST API lifts it.
   */
  readonly tombstoneMs: number
  /** Updates applied but not yet durable, in bytes, beyond which updates are refused. */
  readonly maxPendingBytes: number
}

/** Services a room uses. */
export interface RoomDeps {
  readonly store: DocStore
  readonly logger: Logger
  readonly metrics: ServerMetrics
  readonly clock: RoomClock
  /**
   * Called each time a batch of the document's updates became durable, with the users (token
   * subjects) who wrote them; empty when authentication is off.
   */
  readonly onDocumentChanged?: (name: string, userIds: readonly string[]) => void
}

/** Who makes a change that does not come from a peer (a REST request). */
export interface ChangeSource {
  /** Short id for logs, e.g. `api`. */
  readonly id: string
  /** The authenticated user: client ids the change writes with are bound to it. */
  readonly user: string | null
}

/** The transaction origin of a change from a `ChangeSource`: never a peer, so every peer gets it. */
export class ServerChange {
  constructor(
    readonly id: string,
    readonly user: string | null,
  ) {}
}

/** Where a change to a room's document comes from. */
export type Origin = Peer | ServerChange

/** The origin of another node's copy merged in a cluster hand-off. */
export const HANDOFF = new ServerChange('handoff', null)

/** A room the server cannot keep using; its peers should reconnect. */
export class RoomFailedError extends Error {
  override readonly name = 'RoomFailedError'
}

/** The distinct users behind `origins` (none when authentication is off). */
export function usersOf(origins: readonly Origin[]): string[] {
  const users = new Set<string>()
  for (const origin of origins) {
    const user = origin instanceof ServerChange ? origin.user : origin.grant.user
    if (user !== null) users.add(user)
  }
  return [...users]
}
