import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  decodeClientMessage,
  encodeAwarenessMessage,
  encodePermissionDenied,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from './codec.js'
import { ProtocolError } from './protocol-error.js'

const frame = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes)

describe('decodeClientMessage', () => {
  it('decodes each message type from golden bytes', () => {
    expect(decodeClientMessage(frame(0, 0, 2, 7, 8))).toEqual({
      type: 'sync-step1',
      stateVector: frame(7, 8),
    })
    expect(decodeClientMessage(frame(0, 1, 1, 9))).toEqual({ type: 'sync-step2', update: frame(9) })
    expect(decodeClientMessage(frame(0, 2, 0))).toEqual({ type: 'sync-update', update: frame() })
    expect(decodeClientMessage(frame(1, 3, 1, 2, 3))).toEqual({
      type: 'awareness',
      update: frame(1, 2, 3),
    })
    expect(decodeClientMessage(frame(3))).toEqual({ type: 'query-awareness' })
  })

  it('decodes what y-protocols encodes', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hi')
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, doc)
    const message = decodeClientMessage(encoding.toUint8Array(encoder))
    expect(message).toEqual({ type: 'sync-step1', stateVector: Y.encodeStateVector(doc) })
    doc.destroy()
  })

  it('returns views into the frame, not copies', () => {
    const bytes = frame(0, 2, 2, 5, 6)
    const message = decodeClientMessage(bytes)
    expect(message.type === 'sync-update' && message.update.buffer).toBe(bytes.buffer)
  })

  it.each([
    ['empty frame', frame(), 'TRUNCATED'],
    ['truncated varint', frame(0x80), 'TRUNCATED'],
    ['truncated sync type', frame(0), 'TRUNCATED'],
    ['length past the end', frame(0, 2, 5, 1), 'TRUNCATED'],
    ['huge length prefix', frame(0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f), 'TRUNCATED'],
    ['unknown message type', frame(9), 'UNKNOWN_MESSAGE_TYPE'],
    ['unknown sync type', frame(0, 7, 0), 'UNKNOWN_SYNC_TYPE'],
    ['auth from a client', frame(2, 0, 0), 'UNEXPECTED_AUTH'],
    ['trailing bytes', frame(3, 0), 'TRAILING_BYTES'],
    ['sync update with trailing bytes', frame(0, 2, 1, 1, 1), 'TRAILING_BYTES'],
  ])('refuses %s', (_label, bytes, code) => {
    let caught: unknown
    try {
      decodeClientMessage(bytes)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ProtocolError)
    expect(caught).toMatchObject({ code, closeCode: 4400 })
  })

  it('never throws anything but a ProtocolError on random bytes', () => {
    let seed = 42
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from({ length: random() % 12 }, () => random() % 256)
      try {
        decodeClientMessage(bytes)
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError)
      }
    }
  })
})

describe('encoders', () => {
  it('produce golden bytes', () => {
    expect([...encodeSyncStep1(frame(1, 2))]).toEqual([0, 0, 2, 1, 2])
    expect([...encodeSyncStep2(frame(3))]).toEqual([0, 1, 1, 3])
    expect([...encodeSyncUpdate(frame(0, 0))]).toEqual([0, 2, 2, 0, 0])
    expect([...encodeAwarenessMessage(frame(1))]).toEqual([1, 1, 1])
    expect([...encodeQueryAwareness()]).toEqual([3])
    expect([...encodePermissionDenied('no')]).toEqual([2, 0, 2, 110, 111])
  })

  it('round-trip through y-protocols', () => {
    const source = new Y.Doc()
    source.getText('t').insert(0, 'hello')
    const target = new Y.Doc()
    const bytes = encodeSyncStep2(Y.encodeStateAsUpdate(source))
    const decoder = decoding.createDecoder(bytes)
    expect(decoding.readVarUint(decoder)).toBe(0)
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), target, null)
    expect(target.getText('t').toString()).toBe('hello')
    source.destroy()
    target.destroy()
  })
})
