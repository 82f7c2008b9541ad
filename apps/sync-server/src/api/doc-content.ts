/**
 * A document's content as the REST API reads and writes it: the `prosemirror` XML fragment
 * (the y-prosemirror convention, which the editor uses) converted to and from ProseMirror
 * JSON with y-prosemirror's helpers. Changes are computed on a scratch copy of the room's
 * state and returned as one Yjs update, which the room then admits like a client's.
 *
 * Never convert the room's live document with a schema: y-prosemirror deletes elements its
 * schema does not accept while converting, which would be a change nobody asked for. Reads
 * use the schema-free `yXmlFragmentToProsemirrorJSON`; schema conversions run on scratch
 * copies only.
 */
import { schema } from '@weft/schema'
import type { Node } from 'prosemirror-model'
import {
  updateYFragment,
  yXmlFragmentToProseMirrorRootNode,
  yXmlFragmentToProsemirrorJSON,
} from 'y-prosemirror'
import * as Y from 'yjs'

/** The shared type holding the document, as y-prosemirror and Tiptap name it. */
export const FRAGMENT = 'prosemirror'

/** ProseMirror JSON of a node. */
export interface NodeJson {
  readonly type: string
  readonly attrs?: Record<string, unknown>
  readonly content?: readonly NodeJson[]
  readonly marks?: readonly unknown[]
  readonly text?: string
}

/** The document's content as ProseMirror JSON (a `doc` node). Does not change `doc`. */
export function docToJson(doc: Y.Doc): NodeJson {
  return yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(FRAGMENT)) as NodeJson
}

/**
 * Plain text of ProseMirror JSON: each textblock (a node holding only text and hard breaks,
 * or nothing) on its own line, hard breaks as line breaks. Works without a schema, so nodes
 * other editors add are read too.
 *
 * @example
 * jsonToText({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }] }) // 'Hi'
 */
export function jsonToText(json: NodeJson): string {
  const blocks: string[] = []
  // Iterative: the depth of stored content is bounded, but never trust that here.
  const stack: NodeJson[] = [...(json.content ?? [])].reverse()
  while (stack.length > 0) {
    const node = stack.pop() as NodeJson
    const children = node.content ?? []
    if (children.every(isInline)) {
      blocks.push(
        children.map((child) => (child.type === 'text' ? (child.text ?? '') : '\n')).join(''),
      )
    } else {
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as NodeJson)
    }
  }
  return blocks.join('\n')
}

const isInline = (node: NodeJson): boolean => node.type === 'text' || node.type === 'hardBreak'

/** Run `change` on a scratch copy of `state` in one transaction; its update, or null if none. */
function changeOnCopy(state: Uint8Array, change: (doc: Y.Doc) => void): Uint8Array | null {
  const doc = new Y.Doc({ gc: true })
  try {
    Y.applyUpdate(doc, state)
    let update: Uint8Array | null = null
    doc.on('update', (u: Uint8Array) => {
      update = update === null ? u : Y.mergeUpdates([update, u])
    })
    doc.transact(() => change(doc))
    return update
  } finally {
    doc.destroy()
  }
}

/**
 * The update that makes the document's content `node`, as one transaction. y-prosemirror's
 * `updateYFragment` (what its editor binding runs on every edit) computes a minimal change:
 * blocks that stay the same keep their identity, so people editing them keep their cursors
 * and their concurrent edits. Null when the content is already `node`.
 */
export function replaceContentUpdate(state: Uint8Array, node: Node): Uint8Array | null {
  return changeOnCopy(state, (doc) => {
    updateYFragment(doc, doc.getXmlFragment(FRAGMENT), node, {
      mapping: new Map(),
      isOMark: new Map(),
    })
  })
}

/**
 * The content of a stored version (a full Yjs state) as a ProseMirror node of the Weft
 * schema, read as a Weft editor would show it: elements the schema does not accept are left
 * out, as the editor itself drops them.
 */
export function versionNode(content: Uint8Array): Node {
  const doc = new Y.Doc({ gc: true })
  try {
    Y.applyUpdate(doc, content)
    return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(FRAGMENT), schema)
  } finally {
    doc.destroy()
  }
}

/** The content of a stored version as ProseMirror JSON, without a schema (like `docToJson`). */
export function versionJson(content: Uint8Array): NodeJson {
  const doc = new Y.Doc({ gc: true })
  try {
    Y.applyUpdate(doc, content)
    return docToJson(doc)
  } finally {
    doc.destroy()
  }
}

/** What applying an update from outside to a document would do. */
export type UpdateCheck =
  | { readonly ok: true; readonly changes: boolean }
  | { readonly ok: false; readonly reason: 'invalid' | 'missing-dependencies' }

/**
 * Try `update` on a scratch copy of `state`: whether Yjs takes it, whether it depends on
 * changes the document does not have (it would wait for them, invisibly), and whether it
 * changes anything at all.
 */
export function checkUpdate(state: Uint8Array, update: Uint8Array): UpdateCheck {
  const doc = new Y.Doc({ gc: true })
  try {
    Y.applyUpdate(doc, state)
    const before = Y.snapshot(doc)
    try {
      Y.decodeUpdate(update)
      Y.applyUpdate(doc, update)
    } catch {
      return { ok: false, reason: 'invalid' }
    }
    if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
      return { ok: false, reason: 'missing-dependencies' }
    }
    return { ok: true, changes: !Y.equalSnapshots(before, Y.snapshot(doc)) }
  } finally {
    doc.destroy()
  }
}
