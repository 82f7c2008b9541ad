import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mergeUpdates } from './merge-updates.js'

/** Updates of several clients typing and deleting concurrently, interleaved, deterministic. */
function edits(clients: number, perClient: number): Uint8Array[] {
  const docs = Array.from({ length: clients }, (_, i) => {
    const doc = new Y.Doc()
    doc.clientID = 100 + i
    return doc
  })
  const updates: Uint8Array[][] = docs.map(() => [])
  docs.forEach((doc, i) => {
    doc.on('update', (u: Uint8Array) => updates[i]?.push(u))
  })
  let seed = 7
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  for (let n = 0; n < perClient; n++) {
    for (const doc of docs) {
      const text = doc.getText('t')
      if (text.length > 3 && random(4) === 0) text.delete(random(text.length - 1), 1)
      else text.insert(random(text.length + 1), String.fromCharCode(97 + random(26)))
      if (random(10) === 0) doc.getMap('m').set(`k${random(5)}`, n)
    }
  }
  const interleaved: Uint8Array[] = []
  for (let n = 0; ; n++) {
    const round = updates.map((list) => list[n]).filter((u): u is Uint8Array => u !== undefined)
    if (round.length === 0) break
    interleaved.push(...round)
  }
  for (const doc of docs) doc.destroy()
  return interleaved
}

const contentOf = (update: Uint8Array): unknown => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  const content = {
    text: doc.getText('t').toString(),
    map: doc.getMap('m').toJSON(),
    stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(),
  }
  doc.destroy()
  return content
}

describe('mergeUpdates', () => {
  it('gives the same document as one flat Y.mergeUpdates, for any number of updates', () => {
    const all = edits(6, 120)
    for (const count of [1, 2, 15, 16, 17, 255, 256, 257, all.length]) {
      const updates = all.slice(0, count)
      expect(contentOf(mergeUpdates(updates))).toEqual(contentOf(Y.mergeUpdates(updates)))
    }
  })

  it('returns a single update as it is and refuses an empty list', () => {
    const [one] = edits(1, 1) as [Uint8Array]
    expect(mergeUpdates([one])).toBe(one)
    expect(() => mergeUpdates([])).toThrow(RangeError)
  })
})
