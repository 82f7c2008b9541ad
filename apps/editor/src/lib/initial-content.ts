/**
 * Initial content for new documents, inserted without a race: two clients that open the same
 * new document at once both insert it, and it must appear once.
 *
 * The content is written by a throw-away Y.Doc whose client id is a hash of the content. Yjs
 * identifies every insert by (client id, clock), so two clients seeding the same content
 * produce identical items, and merging them keeps one copy. Different content hashes to a
 * different client id, so it can never be mistaken for the same items.
 */

import { schema } from '@weft/schema'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import * as Y from 'yjs'

/** ProseMirror JSON of a `doc` node, as `EditorState.doc.toJSON()` returns it. */
export type DocJson = { readonly type: 'doc'; readonly content?: readonly unknown[] }

/** FNV-1a of the text, never 0 (Yjs treats client ids as positive 32-bit numbers). */
function clientIdFor(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0 || 1
}

/**
 * The update that writes `content` into the fragment `fragmentName` of an empty document.
 *
 * @throws {RangeError} when `content` does not fit the schema.
 */
export function initialContentUpdate(content: DocJson, fragmentName: string): Uint8Array {
  const seed = new Y.Doc()
  try {
    seed.clientID = clientIdFor(`${fragmentName}\n${JSON.stringify(content)}`)
    prosemirrorJSONToYXmlFragment(schema, content, seed.getXmlFragment(fragmentName))
    return Y.encodeStateAsUpdate(seed)
  } finally {
    seed.destroy()
  }
}

/** The origin used when seeding, so listeners can tell it apart. */
export const SEED_ORIGIN = Symbol('weft-initial-content')

/** Insert `content` if the fragment is still empty. Returns whether it did. */
export function seedIfEmpty(doc: Y.Doc, fragmentName: string, content: DocJson): boolean {
  if (doc.getXmlFragment(fragmentName).length > 0) return false
  Y.applyUpdate(doc, initialContentUpdate(content, fragmentName), SEED_ORIGIN)
  return true
}
