/**
 * The presence state a Weft client publishes in the Yjs awareness protocol, version 1.
 *
 * The shape is a superset of what y-prosemirror's cursor plugin reads (`user.name`,
 * `user.color`, `cursor.anchor`, `cursor.head`), so other y-prosemirror clients render Weft
 * cursors without knowing about Weft.
 */

/** The version written into `v`. A reader refuses states of a version it does not know. */
export const PRESENCE_VERSION = 1

/** Who a presence state belongs to. The same `id` in several tabs is one person. */
export interface PresenceUser {
  /** Stable id of the person (not of the tab): 1–128 characters. */
  readonly id: string
  /** Display name, rendered as text only: 1–64 characters after trimming. */
  readonly name: string
  /** `#rrggbb`, lower case. Renderers should pass it through `readableColor`. */
  readonly color: string
  /** Optional `https:` (or `http:`) picture URL, at most 512 characters. */
  readonly avatarUrl?: string
}

/** The Yjs item id a relative position points at. */
export interface PresenceItemId {
  readonly client: number
  readonly clock: number
}

/**
 * `Y.RelativePosition` as JSON (what `JSON.stringify` makes of one). Exactly one of `type`
 * with `item`, or `tname`, locates it; `assoc` is the side it sticks to.
 */
export interface RelativePositionJson {
  readonly type: PresenceItemId | null
  readonly tname: string | null
  readonly item: PresenceItemId | null
  readonly assoc: number
}

/** A selection in the shared document, as y-prosemirror publishes it. */
export interface PresenceCursor {
  readonly anchor: RelativePositionJson
  readonly head: RelativePositionJson
}

/** Whether the person is working right now. */
export type ActivityStatus = 'active' | 'idle'

/** Activity of one tab. */
export interface PresenceActivity {
  readonly status: ActivityStatus
  /** When the tab last saw input, in milliseconds since the Unix epoch (the sender's clock). */
  readonly lastActiveAt: number
}

/** A complete, valid Weft presence state. */
export interface PresenceState {
  readonly v: typeof PRESENCE_VERSION
  readonly user: PresenceUser
  /** Null while the editor has no focus. */
  readonly cursor: PresenceCursor | null
  readonly activity: PresenceActivity
}

/** Size limits applied by the parsers. */
export interface PresenceLimits {
  /** Largest state, in UTF-8 bytes of its JSON text. */
  readonly maxStateBytes: number
  readonly maxIdLength: number
  readonly maxNameLength: number
  readonly maxAvatarUrlLength: number
  /** Longest `tname` of a relative position (a root type name such as `prosemirror`). */
  readonly maxTypeNameLength: number
}

/** The default limits. A state of a few hundred bytes is typical; 4 KiB leaves room. */
export const DEFAULT_PRESENCE_LIMITS: PresenceLimits = Object.freeze({
  maxStateBytes: 4096,
  maxIdLength: 128,
  maxNameLength: 64,
  maxAvatarUrlLength: 512,
  maxTypeNameLength: 256,
})
