/** Names of documents in the app: random readable ones, and the URL of a document. */

const ADJECTIVES = [
  'amber',
  'brave',
  'bright',
  'calm',
  'clever',
  'cosy',
  'crisp',
  'curious',
  'daring',
  'eager',
  'early',
  'fair',
  'fancy',
  'gentle',
  'glad',
  'golden',
  'happy',
  'humble',
  'jolly',
  'kind',
  'lively',
  'lucky',
  'merry',
  'mellow',
  'misty',
  'modest',
  'noble',
  'plucky',
  'polite',
  'proud',
  'quick',
  'quiet',
  'rapid',
  'rosy',
  'shiny',
  'silver',
  'sleepy',
  'snowy',
  'spry',
  'steady',
  'sunny',
  'swift',
  'tidy',
  'tiny',
  'vivid',
  'warm',
  'wise',
  'witty',
]

const NOUNS = [
  'acorn',
  'badger',
  'beacon',
  'birch',
  'brook',
  'canyon',
  'cedar',
  'comet',
  'coral',
  'cricket',
  'delta',
  'dune',
  'ember',
  'falcon',
  'fern',
  'fjord',
  'garden',
  'glacier',
  'harbor',
  'heron',
  'island',
  'lagoon',
  'lantern',
  'maple',
  'meadow',
  'meteor',
  'orchid',
  'otter',
  'owl',
  'pebble',
  'pine',
  'prairie',
  'puffin',
  'quartz',
  'raven',
  'reef',
  'river',
  'robin',
  'sparrow',
  'summit',
  'thistle',
  'tulip',
  'valley',
  'walrus',
  'willow',
  'wren',
  'yarrow',
  'zephyr',
]

/** `random(n)` returns an integer in [0, n). */
export type RandomInt = (n: number) => number

/** A random integer in [0, n) from the browser's cryptographic generator. */
export const cryptoRandomInt: RandomInt = (n) => {
  const [value = 0] = crypto.getRandomValues(new Uint32Array(1))
  return value % n
}

/**
 * A random name that is easy to read aloud, like `calm-otter-482`: about 2.3 million
 * combinations, enough that two people creating documents do not meet by accident.
 */
export function randomDocName(random: RandomInt = cryptoRandomInt): string {
  const adjective = ADJECTIVES[random(ADJECTIVES.length)]
  const noun = NOUNS[random(NOUNS.length)]
  return `${adjective}-${noun}-${100 + random(900)}`
}

/** Longest document name the app accepts (the server allows 512 bytes). */
export const MAX_DOC_NAME_LENGTH = 120

// biome-ignore lint/suspicious/noControlCharactersInRegex: the server refuses control characters
const CONTROL = /[\u0000-\u001f\u007f]/

/** A name typed by a person, trimmed; null when empty or too long. */
export function cleanDocName(input: string): string | null {
  const name = input.trim().replace(/\s+/g, ' ')
  if (name.length === 0 || name.length > MAX_DOC_NAME_LENGTH || CONTROL.test(name)) {
    return null
  }
  return name
}

/** The app path of a document. */
export function docPath(name: string): string {
  return `/d/${encodeURIComponent(name)}`
}

/** The document name of an app path, or null for other paths. */
export function docNameFromPath(pathname: string): string | null {
  if (!pathname.startsWith('/d/')) return null
  try {
    return cleanDocName(decodeURIComponent(pathname.slice(3)))
  } catch {
    // Malformed percent-encoding is not a document: the caller shows the landing page.
    return null
  }
}
