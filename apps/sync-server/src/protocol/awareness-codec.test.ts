import { describe, expect, it } from 'vitest'
import { Awareness, encodeAwarenessUpdate as yEncode } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from './awareness-codec.js'

describe('awareness codec', () => {
  it('decodes what y-protocols encodes', () => {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    awareness.setLocalState({ user: { name: 'Ada' } })
    const entries = decodeAwarenessUpdate(yEncode(awareness, [doc.clientID]))
    expect(entries).toEqual([
      { clientId: doc.clientID, clock: 1, state: '{"user":{"name":"Ada"}}' },
    ])
    awareness.destroy()
    doc.destroy()
  })

  it('round-trips', () => {
    const entries = [
      { clientId: 1, clock: 3, state: '{"a":1}' },
      { clientId: 2 ** 40, clock: 0, state: 'null' },
    ]
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(entries))).toEqual(entries)
  })

  it.each([
    ['empty', []],
    ['truncated entry', [1, 5]],
    ['a count larger than the bytes', [0xff, 0xff, 0x03, 1, 1, 0]],
    ['trailing bytes', [0, 9]],
    ['a string past the end', [1, 1, 1, 10, 65]],
  ])('refuses %s', (_label, bytes) => {
    expect(() => decodeAwarenessUpdate(Uint8Array.from(bytes))).toThrow(
      expect.objectContaining({ code: 'INVALID_AWARENESS', closeCode: 4422 }),
    )
  })
})
