import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import {
  decodeLinkMessage,
  encodeLinkMessage,
  type LinkMessage,
  LinkProtocolError,
} from './link-codec.js'

const frameOf = (header: unknown, payload = new Uint8Array(0)): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, typeof header === 'string' ? header : JSON.stringify(header))
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

describe('link codec', () => {
  it.each<LinkMessage>([
    { type: 'hello', node: 'a', members: [{ id: 'a', url: 'http://h:1' }] },
    { type: 'request', id: 1, request: { op: 'take', doc: 'notes' } },
    { type: 'request', id: 2, request: { op: 'commit', doc: 'notes', token: 7 } },
    { type: 'request', id: 3, request: { op: 'offer', doc: 'notes' } },
    {
      type: 'request',
      id: 4,
      request: { op: 'revoke', target: { user: 'u', doc: 'd' }, mode: 'read-only' },
    },
    { type: 'response', id: 1, response: { op: 'take', result: 'none' } },
    { type: 'response', id: 1, response: { op: 'take', result: 'refused', owner: 'b' } },
    {
      type: 'response',
      id: 1,
      response: {
        op: 'take',
        result: 'state',
        token: 9,
        update: Uint8Array.from([1, 2, 3]),
        owners: [[42, 'alice']],
      },
    },
    { type: 'response', id: 2, response: { op: 'commit', deleted: true } },
    { type: 'response', id: 3, response: { op: 'offer', result: 'not-owner' } },
    { type: 'response', id: 4, response: { op: 'revoke', affected: 2 } },
    { type: 'error', id: 5, message: 'storage failed' },
  ])('round-trips %j', (message) => {
    expect(decodeLinkMessage(encodeLinkMessage(message))).toEqual(message)
  })

  it('sends a document state as raw bytes after the header', () => {
    const update = Uint8Array.from({ length: 1000 }, (_, i) => i % 256)
    const frame = encodeLinkMessage({
      type: 'response',
      id: 1,
      response: { op: 'take', result: 'state', token: 1, update, owners: [] },
    })
    expect(frame.byteLength).toBeLessThan(update.byteLength + 100)
  })

  it.each([
    ['not a frame', Uint8Array.from([0xff, 0xff, 0xff])],
    ['not JSON', frameOf('{not json')],
    ['an array', frameOf([])],
    ['an unknown type', frameOf({ type: 'gossip' })],
    ['an unknown op', frameOf({ type: 'request', id: 1, request: { op: 'format-disk' } })],
    ['a negative id', frameOf({ type: 'request', id: -1, request: { op: 'take', doc: 'x' } })],
    ['an empty doc', frameOf({ type: 'request', id: 1, request: { op: 'take', doc: '' } })],
    [
      'a bad mode',
      frameOf({ type: 'request', id: 1, request: { op: 'revoke', target: {}, mode: 'x' } }),
    ],
    [
      'bad owners',
      frameOf({
        type: 'response',
        id: 1,
        response: { op: 'take', result: 'state', token: 1, owners: [[1]] },
      }),
    ],
    ['bad members', frameOf({ type: 'hello', node: 'a', members: [{ id: 'a' }] })],
    ['trailing bytes', Uint8Array.from([...frameOf({ type: 'error', id: 1, message: 'x' }), 0])],
  ])('refuses %s', (_label, frame) => {
    expect(() => decodeLinkMessage(frame)).toThrow(LinkProtocolError)
  })
})
