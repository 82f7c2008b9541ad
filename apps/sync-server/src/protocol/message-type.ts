/**
 * Message tags of the y-websocket wire protocol. This module is the single source of
 * truth for them; `docs/PROTOCOL.md` gives the grammar.
 */

/** First varUint of every frame. */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
} as const

/** Second varUint of a `sync` frame (y-protocols `sync.js`). */
export const SyncMessageType = {
  step1: 0,
  step2: 1,
  update: 2,
} as const

/** Second varUint of an `auth` frame. Only "permission denied" is defined. */
export const AuthMessageType = {
  permissionDenied: 0,
} as const
