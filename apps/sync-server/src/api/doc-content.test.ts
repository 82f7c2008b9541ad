import { parseDocJson, schema } from '@weft/schema'
import { describe, expect, it } from 'vitest'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import * as Y from 'yjs'
import {
  checkUpdate,
  docToJson,
  FRAGMENT,
  jsonToText,
  type NodeJson,
  replaceContentUpdate,
  versionJson,
  versionNode,
} from './doc-content.js'

const para = (text: string): NodeJson => ({
  type: 'paragraph',
  content: [{ type: 'text', text }],
})
const docOf = (...content: NodeJson[]): NodeJson => ({ type: 'doc', content })

function yDocWith(json: NodeJson): Y.Doc {
  const doc = new Y.Doc()
  prosemirrorJSONToYXmlFragment(schema, json, doc.getXmlFragment(FRAGMENT))
  return doc
}

function node(json: NodeJson) {
  const parsed = parseDocJson(json)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.node
}

describe('docToJson and jsonToText', () => {
  it('reads the fragment as ProseMirror JSON and as plain text', () => {
    const json = docOf(
      { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Title' }] },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'one', marks: [{ type: 'bold' }] },
          { type: 'hardBreak' },
          { type: 'text', text: 'two' },
        ],
      },
      { type: 'bulletList', content: [{ type: 'listItem', content: [para('item')] }] },
      { type: 'horizontalRule' },
      { type: 'paragraph' },
    )
    const doc = yDocWith(json)
    const read = docToJson(doc)
    expect(read).toMatchObject({ type: 'doc' })
    expect(node(read).eq(node(json))).toBe(true)
    expect(jsonToText(read)).toBe('Title\none\ntwo\nitem\n\n')
    doc.destroy()
  })

  it('reads an empty document', () => {
    const doc = new Y.Doc()
    expect(docToJson(doc)).toEqual({ type: 'doc', content: [] })
    expect(jsonToText(docToJson(doc))).toBe('')
    doc.destroy()
  })

  it('reads nodes the schema does not know without changing the document', () => {
    const doc = new Y.Doc()
    const fragment = doc.getXmlFragment(FRAGMENT)
    const video = new Y.XmlElement('video')
    video.setAttribute('src', 'x.mp4')
    const p = new Y.XmlElement('paragraph')
    p.insert(0, [new Y.XmlText('caption')])
    fragment.insert(0, [video, p])
    const before = Y.encodeStateVector(doc)
    expect(docToJson(doc).content?.map((n) => n.type)).toEqual(['video', 'paragraph'])
    expect(Y.encodeStateVector(doc)).toEqual(before)
    doc.destroy()
  })
})

describe('replaceContentUpdate', () => {
  it('replaces the content in one update that keeps unchanged blocks', () => {
    const doc = yDocWith(docOf(para('keep me'), para('old')))
    const kept = doc.getXmlFragment(FRAGMENT).get(0) as Y.XmlElement
    const update = replaceContentUpdate(
      Y.encodeStateAsUpdate(doc),
      node(docOf(para('keep me'), para('new'), para('more'))),
    )
    expect(update).not.toBeNull()
    Y.applyUpdate(doc, update as Uint8Array)
    expect(jsonToText(docToJson(doc))).toBe('keep me\nnew\nmore')
    // The first paragraph is the same shared type: cursors in it stay where they are.
    expect(doc.getXmlFragment(FRAGMENT).get(0)).toBe(kept)
    doc.destroy()
  })

  it('returns null when the content is already the same', () => {
    const json = docOf(para('same'))
    const doc = yDocWith(json)
    expect(replaceContentUpdate(Y.encodeStateAsUpdate(doc), node(json))).toBeNull()
    doc.destroy()
  })

  it('merges with a concurrent edit in another block', () => {
    const base = yDocWith(docOf(para('alpha'), para('beta')))
    const state = Y.encodeStateAsUpdate(base)
    const other = new Y.Doc()
    Y.applyUpdate(other, state)
    ;((other.getXmlFragment(FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(4, '!')
    const update = replaceContentUpdate(state, node(docOf(para('ALPHA'), para('beta'))))
    Y.applyUpdate(other, update as Uint8Array)
    Y.applyUpdate(base, Y.encodeStateAsUpdate(other))
    expect(jsonToText(docToJson(base))).toBe('ALPHA\nbeta!')
    base.destroy()
    other.destroy()
  })
})

describe('versions', () => {
  it('reads a version as JSON and as a schema node, dropping what the schema refuses', () => {
    const doc = yDocWith(docOf(para('v1')))
    doc.getXmlFragment(FRAGMENT).insert(0, [new Y.XmlElement('video')])
    const content = Y.encodeStateAsUpdate(doc)
    expect(versionJson(content).content?.map((n) => n.type)).toEqual(['video', 'paragraph'])
    expect(versionNode(content).toJSON()).toEqual(docOf(para('v1')))
    doc.destroy()
  })
})

describe('checkUpdate', () => {
  it('tells valid, redundant, invalid and dependent updates apart', () => {
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    doc.getText('t').insert(0, 'a')
    doc.getText('t').insert(1, 'b')
    const [first, second] = updates as [Uint8Array, Uint8Array]
    const empty = Y.encodeStateAsUpdate(new Y.Doc())
    expect(checkUpdate(empty, first)).toEqual({ ok: true, changes: true })
    expect(checkUpdate(first, first)).toEqual({ ok: true, changes: false })
    expect(checkUpdate(empty, second)).toEqual({ ok: false, reason: 'missing-dependencies' })
    expect(checkUpdate(empty, Uint8Array.of(1, 2, 3))).toEqual({ ok: false, reason: 'invalid' })
    expect(checkUpdate(empty, new Uint8Array(0))).toEqual({ ok: false, reason: 'invalid' })
    doc.destroy()
  })
})
