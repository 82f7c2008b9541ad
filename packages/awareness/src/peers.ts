/**
 * The list of people in a document, derived from the awareness states of its clients. One
 * person with three tabs open is one peer with three client ids.
 */

import { type ForeignPolicy, type PeerState, parsePeerState } from './parse-presence.js'
import type { ActivityStatus, PresenceUser } from './presence-state.js'

/** One person in the document. */
export interface Peer {
  /** Stable key for lists: `user:<id>`, or `client:<clientId>` for a foreign client. */
  readonly key: string
  /** Taken from the person's most recently active tab. */
  readonly user: PresenceUser
  /** Every awareness client id (tab) of this person, ascending. */
  readonly clientIds: readonly number[]
  /** True for the local person (any of their tabs, including this one). */
  readonly isSelf: boolean
  /** `active` when any of their tabs is. */
  readonly status: ActivityStatus
  /** The latest `lastActiveAt` of their tabs (the senders' clocks; 0 for foreign clients). */
  readonly lastActiveAt: number
  readonly foreign: boolean
}

/** Options of `derivePeers`. */
export interface DerivePeersOptions extends Partial<ForeignPolicy> {
  /** The local awareness client id: its person is marked `isSelf`. */
  readonly selfClientId: number
}

/**
 * Group awareness states into people. Invalid states are skipped (foreign ones are kept by
 * default). Order: the local person first, then by name (case-insensitive, by code unit so
 * the order does not depend on the locale), then by key.
 *
 * @example
 * derivePeers(awareness.getStates(), { selfClientId: doc.clientID })
 */
export function derivePeers(
  states: Iterable<readonly [number, unknown]>,
  options: DerivePeersOptions,
): Peer[] {
  const policy: ForeignPolicy = {
    acceptForeign: options.acceptForeign ?? true,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  }
  const groups = new Map<string, PeerState[]>()
  for (const [clientId, value] of states) {
    const state = parsePeerState(value, clientId, policy)
    if (state === null) continue
    const group = groups.get(state.key)
    if (group === undefined) groups.set(state.key, [state])
    else group.push(state)
  }
  const peers: Peer[] = []
  for (const [key, tabs] of groups) {
    // The most recently active tab speaks for the person; ties go to the higher client id
    // so the choice does not depend on the order of the states.
    const latest = tabs.reduce((best, tab) =>
      tab.activity.lastActiveAt > best.activity.lastActiveAt ||
      (tab.activity.lastActiveAt === best.activity.lastActiveAt && tab.clientId > best.clientId)
        ? tab
        : best,
    )
    peers.push({
      key,
      user: latest.user,
      clientIds: tabs.map((tab) => tab.clientId).sort((a, b) => a - b),
      isSelf: tabs.some((tab) => tab.clientId === options.selfClientId),
      status: tabs.some((tab) => tab.activity.status === 'active') ? 'active' : 'idle',
      lastActiveAt: latest.activity.lastActiveAt,
      foreign: latest.foreign,
    })
  }
  return peers.sort(comparePeers)
}

function comparePeers(a: Peer, b: Peer): number {
  if (a.isSelf !== b.isSelf) return a.isSelf ? -1 : 1
  const nameA = a.user.name.toLowerCase()
  const nameB = b.user.name.toLowerCase()
  if (nameA !== nameB) return nameA < nameB ? -1 : 1
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** Up to two initials of a name, for avatars without a picture. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]]
  return letters
    .map((word) => (word === undefined ? '' : (Array.from(word)[0] ?? '')))
    .join('')
    .toUpperCase()
}
