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
    { type: 'hello', node: 'a', members: [{ id: 'a', url: 'http://h:1' }], protocol: 2 },
    { type: 'request', id: 1, request: { op: 'take', doc: 'notes' } },
    { type: 'request', id: 2, request: { op: 'commit', doc: 'notes', token: 7 } },
    { type: 'request', id: 3, request: { op: 'offer', doc: 'notes' } },
    { type: 'request', id: 5, request: { op: 'version', doc: 'notes', token: 7, id: 3 } },
    { type: 'request', id: 6, request: { op: 'list', limit: 100 } },
    { type: 'request', id: 7, request: { op: 'list', after: 'notes', limit: 1 } },
    {
      type: 'request',
      id: 4,
      request: { op: 'revoke', target: { user: 'u', doc: 'd' }, mode: 'read-only' },
    },
    {
      type: 'request',
      id: 8,
      request: {
        op: 'revocations',
        revocations: [
          { target: { user: 'u' }, mode: 'close', at: 1_700_000_000_000 },
          { target: { doc: 'd' }, mode: 'read-only', at: 1_700_000_000_001 },
        ],
      },
    },
    { type: 'request', id: 9, request: { op: 'revocations', revocations: [] } },
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
        versions: [1, 4, 5],
        deletedAt: null,
        lastModified: 1_700_000_000_000,
      },
    },
    {
      type: 'response',
      id: 1,
      response: {
        op: 'take',
        result: 'state',
        token: 10,
        update: new Uint8Array(0),
        owners: [],
        versions: [],
        deletedAt: 1_700_000_000_000,
        lastModified: null,
      },
    },
    {
      type: 'response',
      id: 5,
      response: {
        op: 'version',
        result: 'content',
        createdAt: 1_700_000_000_000,
        label: 'Sent for review',
        kind: 'manual',
        content: Uint8Array.from([9, 8, 7]),
      },
    },
    {
      type: 'response',
      id: 5,
      response: {
        op: 'version',
        result: 'content',
        createdAt: 5,
        label: null,
        kind: 'auto',
        content: Uint8Array.from([1]),
      },
    },
    { type: 'response', id: 5, response: { op: 'version', result: 'gone' } },
    { type: 'response', id: 5, response: { op: 'version', result: 'stale' } },
    {
      type: 'response',
      id: 6,
      response: {
        op: 'list',
        docs: [
          { name: 'a', bytes: 10, lastModified: 5, owned: true },
          { name: 'b', bytes: 0, lastModified: null, owned: false },
        ],
        next: 'b',
      },
    },
    { type: 'response', id: 7, response: { op: 'list', docs: [] } },
    { type: 'response', id: 2, response: { op: 'commit', deleted: true } },
    { type: 'response', id: 3, response: { op: 'offer', result: 'not-owner' } },
    { type: 'response', id: 4, response: { op: 'revoke', affected: 2 } },
    { type: 'response', id: 8, response: { op: 'revocations', added: 1 } },
    { type: 'error', id: 5, message: 'storage failed' },
  ])('round-trips %j', (message) => {
    expect(decodeLinkMessage(encodeLinkMessage(message))).toEqual(message)
  })

  it('sends a document state and a version as raw bytes after the header', () => {
    const update = Uint8Array.from({ length: 1000 }, (_, i) => i % 256)
    const frame = encodeLinkMessage({
      type: 'response',
      id: 1,
      response: {
        op: 'take',
        result: 'state',
        token: 1,
        update,
        owners: [],
        versions: [],
        deletedAt: null,
        lastModified: null,
      },
    })
    expect(frame.byteLength).toBeLessThan(update.byteLength + 150)
    const version = encodeLinkMessage({
      type: 'response',
      id: 1,
      response: {
        op: 'version',
        result: 'content',
        createdAt: 1,
        label: null,
        kind: 'auto',
        content: update,
      },
    })
    expect(version.byteLength).toBeLessThan(update.byteLength + 150)
  })

  it('reads the messages of revision 1 (before versions, tombstones and listings)', () => {
    expect(decodeLinkMessage(frameOf({ type: 'hello', node: 'a', members: [] }))).toEqual({
      type: 'hello',
      node: 'a',
      members: [],
      protocol: 1,
    })
    const state = frameOf(
      { type: 'response', id: 1, response: { op: 'take', result: 'state', token: 3, owners: [] } },
      Uint8Array.from([1, 2]),
    )
    expect(decodeLinkMessage(state)).toEqual({
      type: 'response',
      id: 1,
      response: {
        op: 'take',
        result: 'state',
        token: 3,
        update: Uint8Array.from([1, 2]),
        owners: [],
        versions: [],
        deletedAt: null,
        lastModified: null,
      },
    })
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
      frameOf({
        type: 'request',
        id: 1,
        request: { op: 'revoke', target: { user: 'u' }, mode: 'x' },
      }),
    ],
    [
      'a revocation of nobody',
      frameOf({ type: 'request', id: 1, request: { op: 'revoke', target: {}, mode: 'close' } }),
    ],
    [
      'a revocation without a time',
      frameOf({
        type: 'request',
        id: 1,
        request: { op: 'revocations', revocations: [{ target: { user: 'u' }, mode: 'close' }] },
      }),
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
    ['a bad protocol', frameOf({ type: 'hello', node: 'a', members: [], protocol: 'x' })],
    [
      'bad versions',
      frameOf({
        type: 'response',
        id: 1,
        response: { op: 'take', result: 'state', token: 1, owners: [], versions: [-1] },
      }),
    ],
    [
      'a bad tombstone',
      frameOf({
        type: 'response',
        id: 1,
        response: { op: 'take', result: 'state', token: 1, owners: [], deletedAt: 'yesterday' },
      }),
    ],
    [
      'a version without a token',
      frameOf({ type: 'request', id: 1, request: { op: 'version', doc: 'x', id: 1 } }),
    ],
    [
      'a version of a bad kind',
      frameOf({
        type: 'response',
        id: 1,
        response: { op: 'version', result: 'content', createdAt: 1, label: null, kind: 'x' },
      }),
    ],
    [
      'an empty version label',
      frameOf({
        type: 'response',
        id: 1,
        response: { op: 'version', result: 'content', createdAt: 1, label: '', kind: 'auto' },
      }),
    ],
    ['a zero list limit', frameOf({ type: 'request', id: 1, request: { op: 'list', limit: 0 } })],
    [
      'a listed document without owned',
      frameOf({
        type: 'response',
        id: 1,
        response: { op: 'list', docs: [{ name: 'a', bytes: 1, lastModified: null }] },
      }),
    ],
    ['trailing bytes', Uint8Array.from([...frameOf({ type: 'error', id: 1, message: 'x' }), 0])],
  ])('refuses %s', (_label, frame) => {
    expect(() => decodeLinkMessage(frame)).toThrow(LinkProtocolError)
  })
})
