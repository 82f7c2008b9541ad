/** Test helpers for document content: ProseMirror JSON in, Yjs updates out, text back. */
import { schema } from '@weft/schema'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import * as Y from 'yjs'
import { docToJson, FRAGMENT, jsonToText, type NodeJson } from '../api/doc-content.js'

/** ProseMirror JSON of a document with one paragraph per line of text. */
export function docJson(...lines: string[]): NodeJson {
  return {
    type: 'doc',
    content: lines.map((line) =>
      line === ''
        ? { type: 'paragraph' }
        : { type: 'paragraph', content: [{ type: 'text', text: line }] },
    ),
  }
}

/** A Yjs update that writes `json` into an empty document's `prosemirror` fragment. */
export function contentUpdate(json: NodeJson): Uint8Array {
  const doc = new Y.Doc()
  try {
    prosemirrorJSONToYXmlFragment(schema, json, doc.getXmlFragment(FRAGMENT))
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}

/** The plain text of a Y.Doc's `prosemirror` fragment (blocks on lines). */
export function textOf(doc: Y.Doc): string {
  return jsonToText(docToJson(doc))
}

/** Insert `text` at the end of the last paragraph, as an editor would. */
export function appendText(doc: Y.Doc, text: string): void {
  const fragment = doc.getXmlFragment(FRAGMENT)
  const last = fragment.get(fragment.length - 1) as Y.XmlElement
  let node = last.get(last.length - 1)
  if (!(node instanceof Y.XmlText)) {
    node = new Y.XmlText()
    last.insert(last.length, [node])
  }
  ;(node as Y.XmlText).insert((node as Y.XmlText).length, text)
}
