/**
 * `@weft/awareness`: the presence model shared by the Weft server and editor. Pure: no DOM,
 * sockets or timers.
 */
export { colorForUserId, contrastRatio, MIN_CONTRAST_ON_WHITE, readableColor } from './color.js'
export {
  createPresenceValidator,
  type ForeignPolicy,
  type ForeignPresence,
  type PeerState,
  parseForeignPresence,
  parsePeerState,
  parsePresence,
} from './parse-presence.js'
export { type DerivePeersOptions, derivePeers, initialsOf, type Peer } from './peers.js'
export {
  type ActivityStatus,
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
export { createThrottle, nextSendDelay, type Scheduler, type Throttle } from './throttle.js'
export { utf8ByteLength } from './utf8-length.js'
