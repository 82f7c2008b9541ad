/**
 * The local person's presence (user, activity, throttled cursor) and the peer list derived
 * from everyone's. Built on `@weft/awareness`; the timers it needs live here, not there.
 */
import {
  colorForUserId,
  createThrottle,
  derivePeers,
  type Peer,
  PRESENCE_VERSION,
  type PresenceActivity,
  type PresenceState,
  type PresenceUser,
  readableColor,
} from '@weft/awareness'
import type { Awareness } from 'y-protocols/awareness'

/** The user shown to others. Missing fields get defaults (see `normalizeUser`). */
export interface EditorUser {
  /** Stable id of the person; the same id in several tabs shows as one peer. */
  readonly id?: string
  readonly name?: string
  /** `#rrggbb`; darkened if needed so white text on it stays readable. */
  readonly color?: string
  readonly avatarUrl?: string
}

/** Options of `createPresence`. */
export interface PresenceOptions {
  readonly awareness: Awareness
  readonly user: PresenceUser
  /** Inactivity after which the person shows as idle. */
  readonly idleAfterMs: number
  /** Minimum time between two cursor updates sent to others. */
  readonly cursorIntervalMs: number
  readonly onPeers: (peers: readonly Peer[]) => void
}

/** The local presence of one mounted editor. */
export interface Presence {
  /**
   * A stand-in for the awareness, given to y-prosemirror's cursor plugin: everything is
   * passed through except cursor updates, which are throttled.
   */
  readonly cursorAwareness: Awareness
  peers(): readonly Peer[]
  setUser(user: PresenceUser): void
  /** Call on local input: keeps the person `active`. */
  noteActivity(): void
  /** Stop timers and listeners, and withdraw the local state. */
  destroy(): void
}

/** Fill in defaults and make the colour readable. */
export function normalizeUser(
  user: EditorUser | undefined,
  fallbackId: () => string,
): PresenceUser {
  const id = user?.id?.trim() || fallbackId()
  const name = user?.name?.trim().slice(0, 64) || 'Anonymous'
  const color = (user?.color && readableColor(user.color)) || colorForUserId(id)
  return user?.avatarUrl ? { id, name, color, avatarUrl: user.avatarUrl } : { id, name, color }
}

/** Start publishing the local presence; see the module comment. */
export function createPresence(options: PresenceOptions): Presence {
  const { awareness, idleAfterMs } = options
  let user = options.user
  let activity: PresenceActivity = { status: 'active', lastActiveAt: Date.now() }
  let lastInputAt = Date.now()
  let idleTimer: ReturnType<typeof setTimeout> | null = null
  let peers: readonly Peer[] = []
  let peersKey = ''

  const publish = (cursor: PresenceState['cursor']): void => {
    const state: PresenceState = { v: PRESENCE_VERSION, user, cursor, activity }
    awareness.setLocalState(state)
  }
  const currentCursor = (): PresenceState['cursor'] =>
    (awareness.getLocalState()?.cursor as PresenceState['cursor'] | undefined) ?? null

  const cursorThrottle = createThrottle(
    (cursor: unknown) => awareness.setLocalStateField('cursor', cursor),
    {
      intervalMs: options.cursorIntervalMs,
      scheduler: {
        now: () => performance.now(),
        setTimeout: (run, ms) => setTimeout(run, ms),
        clearTimeout: (handle) => clearTimeout(handle),
      },
    },
  )

  const armIdleTimer = (delay: number): void => {
    idleTimer = setTimeout(() => {
      idleTimer = null
      const quietFor = Date.now() - lastInputAt
      if (quietFor < idleAfterMs) {
        armIdleTimer(idleAfterMs - quietFor)
        return
      }
      activity = { status: 'idle', lastActiveAt: lastInputAt }
      awareness.setLocalStateField('activity', activity)
    }, delay)
  }

  const onChange = (): void => {
    const next = derivePeers(awareness.getStates(), { selfClientId: awareness.clientID })
    const key = JSON.stringify(next)
    if (key === peersKey) return
    peersKey = key
    peers = next
    options.onPeers(peers)
  }

  const cursorAwareness = {
    get clientID() {
      return awareness.clientID
    },
    get doc() {
      return awareness.doc
    },
    getStates: () => awareness.getStates(),
    getLocalState: () => awareness.getLocalState(),
    on: (name: string, handler: (...args: never[]) => void) =>
      awareness.on(name as 'change', handler),
    off: (name: string, handler: (...args: never[]) => void) =>
      awareness.off(name as 'change', handler),
    setLocalStateField(field: string, value: unknown) {
      if (field === 'cursor' && value !== null) {
        cursorThrottle.push(value)
        return
      }
      // Losing focus (null) is sent at once and cancels a cursor still waiting.
      cursorThrottle.cancel()
      awareness.setLocalStateField(field, value)
    },
  } as unknown as Awareness

  publish(null)
  armIdleTimer(idleAfterMs)
  awareness.on('change', onChange)
  onChange()

  return {
    cursorAwareness,
    peers: () => peers,
    setUser(next) {
      user = next
      publish(currentCursor())
    },
    noteActivity() {
      lastInputAt = Date.now()
      if (activity.status === 'idle') {
        activity = { status: 'active', lastActiveAt: lastInputAt }
        awareness.setLocalStateField('activity', activity)
      }
      if (idleTimer === null) armIdleTimer(idleAfterMs)
    },
    destroy() {
      cursorThrottle.cancel()
      if (idleTimer !== null) clearTimeout(idleTimer)
      idleTimer = null
      awareness.off('change', onChange)
      awareness.setLocalState(null)
    },
  }
}
