import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { inspectUpdate } from './update-inspector.js'

/** An update nesting `depth` Y.Maps under the root map `m`, built by `author`. */
function nestedMaps(author: Y.Doc, depth: number): Uint8Array {
  const before = Y.encodeStateVector(author)
  author.transact(() => {
    let map = author.getMap('m')
    for (let i = 0; i < depth; i++) {
      const child = new Y.Map<unknown>()
      map.set('child', child)
      map = child
    }
  })
  return Y.encodeStateAsUpdate(author, before)
}

describe('inspectUpdate', () => {
  it('measures the depth of new nested types and the clients written', () => {
    const server = new Y.Doc()
    const author = new Y.Doc()
    const update = nestedMaps(author, 5)
    const result = inspectUpdate(server, update, { maxDepth: 10 })
    expect(result.maxDepth).toBe(5)
    expect([...result.writtenClients]).toEqual([author.clientID])
  })

  it('counts depth on top of types already in the document', () => {
    const server = new Y.Doc()
    const author = new Y.Doc()
    Y.applyUpdate(server, nestedMaps(author, 8))
    // Deepen the innermost map by 3 more levels.
    const before = Y.encodeStateVector(author)
    let map = author.getMap('m')
    for (let i = 0; i < 8; i++) map = map.get('child') as Y.Map<unknown>
    author.transact(() => {
      for (let i = 0; i < 3; i++) {
        const child = new Y.Map<unknown>()
        map.set('child', child)
        map = child
      }
    })
    const update = Y.encodeStateAsUpdate(author, before)
    expect(inspectUpdate(server, update, { maxDepth: 20 }).maxDepth).toBe(11)
    expect(() => inspectUpdate(server, update, { maxDepth: 10 })).toThrow(/11 deep/)
  })

  it('follows origins to find the parent of items without one (XML siblings)', () => {
    const server = new Y.Doc()
    const author = new Y.Doc()
    const fragment = author.getXmlFragment('prosemirror')
    const list = new Y.XmlElement('bullet_list')
    fragment.insert(0, [list])
    Y.applyUpdate(server, Y.encodeStateAsUpdate(author))
    const before = Y.encodeStateVector(author)
    // Siblings inserted after an existing item are written with an origin, not a parent.
    const items = Array.from({ length: 3 }, () => new Y.XmlElement('list_item'))
    list.insert(0, items)
    const first = items[0] as Y.XmlElement
    first.insert(0, [new Y.XmlElement('paragraph')])
    const update = Y.encodeStateAsUpdate(author, before)
    expect(inspectUpdate(server, update, { maxDepth: 10 }).maxDepth).toBe(3)
  })

  it('refuses a 10,000-deep chain without overflowing its own stack', () => {
    const update = nestedMaps(new Y.Doc(), 10_000)
    expect(() => inspectUpdate(new Y.Doc(), update, { maxDepth: 100 })).toThrow(
      /deep; the limit is 100/,
    )
  })

  it('sees through pending structs that a later update would release', () => {
    const author = new Y.Doc()
    const first = nestedMaps(author, 3)
    const server = new Y.Doc()
    const deeper = (() => {
      const before = Y.encodeStateVector(author)
      let map = author.getMap('m')
      for (let i = 0; i < 3; i++) map = map.get('child') as Y.Map<unknown>
      author.transact(() => {
        for (let i = 0; i < 4; i++) {
          const child = new Y.Map<unknown>()
          map.set('child', child)
          map = child
        }
      })
      return Y.encodeStateAsUpdate(author, before)
    })()
    // `deeper` arrives first and goes pending; then `first` releases it: 7 levels in all.
    Y.applyUpdate(server, deeper)
    const pending = server.store.pendingStructs
    expect(pending).not.toBeNull()
    expect(() => inspectUpdate(server, first, { maxDepth: 5, pending })).toThrow(
      /deep; the limit is 5/,
    )
    expect(inspectUpdate(server, first, { maxDepth: 10, pending }).maxDepth).toBe(7)
    // An unrelated update does not pay for the pending structs.
    const other = new Y.Doc()
    other.getText('t').insert(0, 'x')
    expect(
      inspectUpdate(server, Y.encodeStateAsUpdate(other), { maxDepth: 5, pending }).maxDepth,
    ).toBe(0)
  })

  it('lists only clients with content beyond the document (duplicates are not writes)', () => {
    const server = new Y.Doc()
    const a = new Y.Doc()
    a.getText('t').insert(0, 'abc')
    Y.applyUpdate(server, Y.encodeStateAsUpdate(a))
    const b = new Y.Doc()
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    b.getText('t').insert(3, 'd')
    const everything = Y.encodeStateAsUpdate(b)
    expect([...inspectUpdate(server, everything, { maxDepth: 10 }).writtenClients]).toEqual([
      b.clientID,
    ])
  })

  it('refuses garbage', () => {
    expect(() => inspectUpdate(new Y.Doc(), Uint8Array.of(5, 1, 2), { maxDepth: 10 })).toThrow(
      expect.objectContaining({ code: 'INVALID_UPDATE' }),
    )
  })
})
