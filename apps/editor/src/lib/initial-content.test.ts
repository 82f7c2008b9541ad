import { afterEach, describe, expect, it } from 'vitest'
import { yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import * as Y from 'yjs'
import { type DocJson, seedIfEmpty } from './initial-content.js'

const WELCOME: DocJson = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Welcome' }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'Write here.' }] },
  ],
}

const docs: Y.Doc[] = []
const newDoc = (): Y.Doc => {
  const doc = new Y.Doc()
  docs.push(doc)
  return doc
}
afterEach(() => {
  for (const doc of docs.splice(0)) doc.destroy()
})

const exchange = (a: Y.Doc, b: Y.Doc): void => {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
}
const text = (doc: Y.Doc): string =>
  JSON.stringify(yXmlFragmentToProsemirrorJSON(doc.getXmlFragment('prosemirror')))

describe('initial content', () => {
  it('appears once when two clients seed the same new document at the same time', () => {
    const a = newDoc()
    const b = newDoc()
    expect(seedIfEmpty(a, 'prosemirror', WELCOME)).toBe(true)
    expect(seedIfEmpty(b, 'prosemirror', WELCOME)).toBe(true)
    exchange(a, b)
    expect(a.getXmlFragment('prosemirror').length).toBe(2)
    expect(text(a)).toBe(text(b))
    expect(text(a).match(/Welcome/g)).toHaveLength(1)
  })

  it('does not seed a document that has content', () => {
    const a = newDoc()
    a.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
    expect(seedIfEmpty(a, 'prosemirror', WELCOME)).toBe(false)
    expect(a.getXmlFragment('prosemirror').length).toBe(1)
  })

  it('keeps different content apart (different item ids, no corruption)', () => {
    const a = newDoc()
    const b = newDoc()
    seedIfEmpty(a, 'prosemirror', WELCOME)
    seedIfEmpty(b, 'prosemirror', { type: 'doc', content: [{ type: 'paragraph' }] })
    exchange(a, b)
    expect(text(a)).toBe(text(b))
    expect(a.getXmlFragment('prosemirror').length).toBe(3)
  })

  it('refuses content that does not fit the schema', () => {
    expect(() =>
      seedIfEmpty(newDoc(), 'prosemirror', { type: 'doc', content: [{ type: 'table' }] }),
    ).toThrow()
  })
})
