/**
 * Validation of presence states. Every state arriving over the network is untrusted: these
 * functions accept any value, never throw, and return a fresh, plain, size-checked copy or
 * null.
 */
import { colorForUserId } from './color.js'
import {
  DEFAULT_PRESENCE_LIMITS,
  PRESENCE_VERSION,
  type PresenceActivity,
  type PresenceCursor,
  type PresenceItemId,
  type PresenceLimits,
  type PresenceState,
  type PresenceUser,
  type RelativePositionJson,
} from './presence-state.js'
import { utf8ByteLength } from './utf8-length.js'

type JsonObject = { readonly [key: string]: unknown }

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/
// C0 and C1 controls, and the bidi overrides that could make a name render misleadingly.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const FORBIDDEN_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
const AVATAR_URL = /^https?:\/\/[^\s"'<>\\]+$/

/**
 * Turn any value into a plain JSON tree, or null when it has no JSON form (cycles, BigInt,
 * throwing getters or proxies) or its JSON text is larger than `maxBytes`. Validating the
 * copy means nothing below can meet a getter, a proxy or a prototype trick.
 */
function toJsonTree(value: unknown, maxBytes: number): unknown {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch {
    // No JSON form: the input is invalid, which the caller learns from the null result.
    return null
  }
  if (text === undefined || utf8ByteLength(text) > maxBytes) return null
  return JSON.parse(text) as unknown
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/** A trimmed display text of 1–max characters without control characters, or null. */
function parseText(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return null
  const text = value.trim()
  if (text.length === 0 || text.length > maxLength || FORBIDDEN_IN_TEXT.test(text)) return null
  return text
}

function parseItemId(value: unknown): PresenceItemId | null | undefined {
  if (value === null || value === undefined) return null
  if (!isObject(value) || !isCount(value.client) || !isCount(value.clock)) return undefined
  return { client: value.client, clock: value.clock }
}

function parseRelativePosition(
  value: unknown,
  limits: PresenceLimits,
): RelativePositionJson | null {
  if (!isObject(value)) return null
  const type = parseItemId(value.type)
  const item = parseItemId(value.item)
  if (type === undefined || item === undefined) return null
  let tname: string | null = null
  if (value.tname !== null && value.tname !== undefined) {
    if (typeof value.tname !== 'string' || value.tname.length > limits.maxTypeNameLength) {
      return null
    }
    tname = value.tname
  }
  let assoc = 0
  if (value.assoc !== undefined && value.assoc !== null) {
    if (typeof value.assoc !== 'number' || !Number.isSafeInteger(value.assoc)) return null
    assoc = value.assoc
  }
  return { type, tname, item, assoc }
}

/** A cursor, null for "no cursor", or undefined when the value is not a valid cursor. */
function parseCursor(value: unknown, limits: PresenceLimits): PresenceCursor | null | undefined {
  if (value === null || value === undefined) return null
  if (!isObject(value)) return undefined
  const anchor = parseRelativePosition(value.anchor, limits)
  const head = parseRelativePosition(value.head, limits)
  if (anchor === null || head === null) return undefined
  return { anchor, head }
}

function parseUser(value: unknown, limits: PresenceLimits): PresenceUser | null {
  if (!isObject(value)) return null
  const { id, color, avatarUrl } = value
  if (typeof id !== 'string' || id.length === 0 || id.length > limits.maxIdLength) return null
  const name = parseText(value.name, limits.maxNameLength)
  if (name === null || typeof color !== 'string' || !HEX_COLOR.test(color)) return null
  const user: PresenceUser = { id, name, color: color.toLowerCase() }
  if (avatarUrl === undefined || avatarUrl === null) return user
  if (
    typeof avatarUrl !== 'string' ||
    avatarUrl.length > limits.maxAvatarUrlLength ||
    !AVATAR_URL.test(avatarUrl)
  ) {
    return null
  }
  return { ...user, avatarUrl }
}

function parseActivity(value: unknown): PresenceActivity | null {
  if (!isObject(value)) return null
  const { status, lastActiveAt } = value
  if (status !== 'active' && status !== 'idle') return null
  if (typeof lastActiveAt !== 'number' || !Number.isFinite(lastActiveAt) || lastActiveAt < 0) {
    return null
  }
  return { status, lastActiveAt }
}

function parseWeftTree(tree: unknown, limits: PresenceLimits): PresenceState | null {
  if (!isObject(tree) || tree.v !== PRESENCE_VERSION) return null
  const user = parseUser(tree.user, limits)
  const cursor = parseCursor(tree.cursor, limits)
  const activity = parseActivity(tree.activity)
  if (user === null || cursor === undefined || activity === null) return null
  return { v: PRESENCE_VERSION, user, cursor, activity }
}

/**
 * Parse a Weft presence state (version 1).
 *
 * @param value anything, typically one entry of `awareness.getStates()`.
 * @returns a plain copy with names trimmed and colours lower-cased, or null when the value is
 * not a valid version-1 state or its JSON text exceeds `limits.maxStateBytes`. Never throws.
 *
 * @example
 * parsePresence({ v: 1, user: { id: 'u1', name: 'Ada', color: '#1F6FEB' }, cursor: null,
 *   activity: { status: 'active', lastActiveAt: 0 } })?.user.color // '#1f6feb'
 * parsePresence('<img onerror=…>') // null
 */
export function parsePresence(
  value: unknown,
  limits: PresenceLimits = DEFAULT_PRESENCE_LIMITS,
): PresenceState | null {
  return parseWeftTree(toJsonTree(value, limits.maxStateBytes), limits)
}

/**
 * The presence shape most y-prosemirror based editors (Tiptap's collaboration cursor, the
 * y-prosemirror demos) publish: `{ user: { name, color }, cursor }`, with any other fields.
 */
export interface ForeignPresence {
  /** Null when the state names no user (plain y-websocket clients publish `{}`). */
  readonly user: { readonly name: string | null; readonly color: string | null } | null
  readonly cursor: PresenceCursor | null
}

function parseForeignTree(tree: unknown, limits: PresenceLimits): ForeignPresence | null {
  // A state that claims a Weft version is judged as Weft only.
  if (!isObject(tree) || 'v' in tree) return null
  const cursor = parseCursor(tree.cursor, limits)
  if (cursor === undefined) return null
  if (tree.user === undefined || tree.user === null) return { user: null, cursor }
  if (!isObject(tree.user)) return null
  const { name, color } = tree.user
  let parsedName: string | null = null
  if (name !== undefined && name !== null) {
    parsedName = parseText(name, limits.maxNameLength)
    if (parsedName === null) return null
  }
  let parsedColor: string | null = null
  if (typeof color === 'string' && HEX_COLOR.test(color)) parsedColor = color.toLowerCase()
  else if (color !== undefined && color !== null && typeof color !== 'string') return null
  return { user: { name: parsedName, color: parsedColor }, cursor }
}

/**
 * Parse a presence state of another y-prosemirror client (not Weft). Unknown fields are
 * allowed and dropped; `user.name`, when present, must pass the same text rules as Weft
 * names; a colour that is not `#rrggbb` is reported as null. Never throws.
 */
export function parseForeignPresence(
  value: unknown,
  limits: PresenceLimits = DEFAULT_PRESENCE_LIMITS,
): ForeignPresence | null {
  return parseForeignTree(toJsonTree(value, limits.maxStateBytes), limits)
}

/** Options of `parsePeerState` and `createPresenceValidator`. */
export interface ForeignPolicy {
  /** Also accept states of other y-prosemirror clients (see `parseForeignPresence`). */
  readonly acceptForeign: boolean
  readonly limits?: PresenceLimits
}

/** One awareness client's presence, normalised for display. */
export interface PeerState {
  /** Grouping key: `user:<id>` for Weft states, `client:<clientId>` for foreign ones. */
  readonly key: string
  readonly clientId: number
  readonly user: PresenceUser
  readonly cursor: PresenceCursor | null
  readonly activity: PresenceActivity
  /** True for a state of another y-prosemirror client; its user id is made up. */
  readonly foreign: boolean
}

/**
 * Normalise one awareness entry for display: a Weft state as it is, a foreign state that
 * names a user (when allowed) with a made-up id and a derived colour if it has none.
 * Null for anything else, including foreign states without a user name.
 */
export function parsePeerState(
  value: unknown,
  clientId: number,
  policy: ForeignPolicy = { acceptForeign: true },
): PeerState | null {
  const limits = policy.limits ?? DEFAULT_PRESENCE_LIMITS
  const tree = toJsonTree(value, limits.maxStateBytes)
  const weft = parseWeftTree(tree, limits)
  if (weft !== null) {
    return { key: `user:${weft.user.id}`, clientId, ...weft, foreign: false }
  }
  if (!policy.acceptForeign) return null
  const foreign = parseForeignTree(tree, limits)
  if (foreign?.user?.name == null) return null
  const id = `client:${clientId}`
  return {
    key: id,
    clientId,
    user: { id, name: foreign.user.name, color: foreign.user.color ?? colorForUserId(id) },
    cursor: foreign.cursor,
    activity: { status: 'active', lastActiveAt: 0 },
    foreign: true,
  }
}

/**
 * A validator for the sync server's `validatePresence`: true for a valid Weft state and,
 * when `acceptForeign` is set, for a valid foreign state (including the empty `{}` that
 * every y-websocket client publishes before it sets a state).
 *
 * @example
 * createSyncServer(config, { validatePresence: createPresenceValidator({ acceptForeign: true }) })
 */
export function createPresenceValidator(policy: ForeignPolicy): (state: unknown) => boolean {
  const limits = policy.limits ?? DEFAULT_PRESENCE_LIMITS
  return (state) => {
    const tree = toJsonTree(state, limits.maxStateBytes)
    if (parseWeftTree(tree, limits) !== null) return true
    return policy.acceptForeign && parseForeignTree(tree, limits) !== null
  }
}
