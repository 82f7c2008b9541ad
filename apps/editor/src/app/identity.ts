/** Your name and colour in the app, remembered in localStorage. */
import { colorForUserId, readableColor } from '@weft/awareness'

/** Who you are in every document of this browser. */
export interface Identity {
  readonly id: string
  readonly name: string
  readonly color: string
}

const KEY = 'weft:identity'

const ANIMALS = ['Otter', 'Heron', 'Badger', 'Puffin', 'Fox', 'Wren', 'Lynx', 'Owl', 'Hare', 'Seal']
const TRAITS = ['Curious', 'Gentle', 'Swift', 'Quiet', 'Bright', 'Brave', 'Calm', 'Merry']

function randomIndex(n: number): number {
  const [value = 0] = crypto.getRandomValues(new Uint32Array(1))
  return value % n
}

function newIdentity(): Identity {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  const name = `${TRAITS[randomIndex(TRAITS.length)]} ${ANIMALS[randomIndex(ANIMALS.length)]}`
  return { id, name, color: colorForUserId(id) }
}

/** The stored identity, or a new one (stored) when there is none or it is unreadable. */
export function loadIdentity(storage: Storage): Identity {
  let stored: Partial<Identity> | null = null
  try {
    stored = JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<Identity> | null
  } catch {
    // A corrupt entry is replaced below, as if there were none.
    stored = null
  }
  if (stored && typeof stored.id === 'string' && stored.id.length > 0) {
    const identity: Identity = {
      id: stored.id,
      name:
        typeof stored.name === 'string' && stored.name.trim() ? stored.name.trim() : 'Anonymous',
      color:
        (typeof stored.color === 'string' && readableColor(stored.color)) ||
        colorForUserId(stored.id),
    }
    return identity
  }
  const identity = newIdentity()
  saveIdentity(storage, identity)
  return identity
}

/** Remember the identity. */
export function saveIdentity(storage: Storage, identity: Identity): void {
  storage.setItem(KEY, JSON.stringify(identity))
}

const RECENT_KEY = 'weft:recent'
const MAX_RECENT = 6

/** Documents opened recently in this browser, newest first. */
export function loadRecent(storage: Storage): string[] {
  try {
    const list = JSON.parse(storage.getItem(RECENT_KEY) ?? '[]') as unknown
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

/** Put `name` first in the recent documents. */
export function rememberRecent(storage: Storage, name: string): void {
  const list = [name, ...loadRecent(storage).filter((n) => n !== name)].slice(0, MAX_RECENT)
  storage.setItem(RECENT_KEY, JSON.stringify(list))
}
