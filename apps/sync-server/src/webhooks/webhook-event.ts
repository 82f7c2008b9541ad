/**
 * The events a server posts to webhook receivers, and their JSON bodies. Pure: ids and times
 * are passed in. The payloads are documented in `docs/WEBHOOKS.md`.
 */
import type { Access } from '../auth/grant.js'

/** Every event type, in the order the docs list them. */
export const WEBHOOK_EVENT_TYPES = [
  'document.changed',
  'room.opened',
  'room.closed',
  'user.joined',
  'user.left',
] as const

/** One event type. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** What every event carries. */
interface EventBase {
  /** Idempotency key: the same in every delivery attempt of this event (`Weft-Event-Id`). */
  readonly id: string
  /** When it happened, ISO 8601 in UTC. */
  readonly time: string
  /** The document (room) it is about. */
  readonly document: string
}

/** Changes to a document became durable (debounced per document). */
export interface DocumentChangedEvent extends EventBase {
  readonly type: 'document.changed'
  /** When the first change covered by this event became durable. */
  readonly firstChangeTime: string
  /** Batches of updates made durable since the previous event of this document. */
  readonly batches: number
  /** Users (token subjects) who changed it since the previous event; empty without auth. */
  readonly users: readonly string[]
  /** True when more users changed it than `users` lists. */
  readonly usersTruncated: boolean
}

/** A document was loaded into memory (its first client arrived). */
export interface RoomOpenedEvent extends EventBase {
  readonly type: 'room.opened'
}

/** A document was stored and unloaded from memory (idle, shutdown, or after a failure). */
export interface RoomClosedEvent extends EventBase {
  readonly type: 'room.closed'
}

/** A connection joined a document. */
export interface UserJoinedEvent extends EventBase {
  readonly type: 'user.joined'
  /** The token subject, or null when authentication is off (anonymous). */
  readonly user: string | null
  /** The connection's id, unique within one server process (pairs joined with left). */
  readonly connection: string
  readonly access: Access
}

/** A connection that had joined a document left it. */
export interface UserLeftEvent extends EventBase {
  readonly type: 'user.left'
  readonly user: string | null
  readonly connection: string
  readonly access: Access
  /** The WebSocket close code (1006: the connection died without a close frame). */
  readonly code: number
}

/** Any event. */
export type WebhookEvent =
  | DocumentChangedEvent
  | RoomOpenedEvent
  | RoomClosedEvent
  | UserJoinedEvent
  | UserLeftEvent

/** An event before it has an id and time: what a source reports. */
export type WebhookEventData = WebhookEvent extends infer E
  ? E extends WebhookEvent
    ? Omit<E, 'id' | 'time'>
    : never
  : never

/**
 * Give `data` its id and time.
 *
 * @example
 * stampEvent({ type: 'room.opened', document: 'notes' }, randomUUID(), Date.now())
 */
export function stampEvent(data: WebhookEventData, id: string, nowMs: number): WebhookEvent {
  return { id, time: new Date(nowMs).toISOString(), ...data } as WebhookEvent
}

/** Whether `value` names an event type. */
export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value)
}
