import { describe, expect, it } from 'vitest'
import { createChannel, encodeAwarenessBody, encodeUpdateBody } from './adapter.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('protocol channels', () => {
  it('y-websocket: step 1 on open, bodies unprefixed, server messages decoded', () => {
    const channel = createChannel('y-websocket', 'doc')
    expect(channel.openFrames).toEqual([bytes(0, 0, 1, 0)])
    expect(channel.syncedOnOpen).toBe(false)
    expect(channel.step2Reply).toEqual(bytes(0, 1, 2, 0, 0))
    expect(channel.frame(encodeUpdateBody(bytes(0, 0)))).toEqual(bytes(0, 2, 2, 0, 0))
    expect(channel.decode(bytes(0, 0, 1, 0))).toEqual({ kind: 'sync-step1', stateVector: bytes(0) })
    expect(channel.decode(bytes(0, 2, 2, 0, 0))).toEqual({
      kind: 'sync-update',
      update: bytes(0, 0),
    })
    expect(channel.decode(bytes(1, 1, 0))).toEqual({ kind: 'awareness', update: bytes(0) })
    // auth 0 = permission denied, with its reason
    expect(channel.decode(bytes(2, 0, 2, 0x6e, 0x6f))).toEqual({
      kind: 'permission-denied',
      reason: 'no',
    })
    expect(() => channel.decode(bytes(0, 9, 0))).toThrow(/unknown sync message type 9/)
  })

  it('hocuspocus: every frame prefixed with the document name, auth before sync', () => {
    const channel = createChannel('hocuspocus', 'ab')
    // varString "ab", auth (2), token (0), empty token; then sync step 1 with an empty vector
    expect(channel.openFrames).toEqual([
      bytes(2, 0x61, 0x62, 2, 0, 0),
      bytes(2, 0x61, 0x62, 0, 0, 1, 0),
    ])
    expect(channel.frame(encodeAwarenessBody(bytes(0)))).toEqual(bytes(2, 0x61, 0x62, 1, 1, 0))
    expect(channel.decode(bytes(2, 0x61, 0x62, 2, 2, 0))).toEqual({ kind: 'authenticated' })
    expect(channel.decode(bytes(2, 0x61, 0x62, 8, 1))).toEqual({ kind: 'ignored', type: 8 })
    // Hocuspocus answers step 1 as SyncReply (4) in some paths: same payload.
    expect(channel.decode(bytes(2, 0x61, 0x62, 4, 1, 2, 0, 0))).toEqual({
      kind: 'sync-step2',
      update: bytes(0, 0),
    })
    expect(() => channel.decode(bytes(2, 0x78, 0x78, 0, 0, 1, 0))).toThrow(/document xx/)
  })

  it('relay: nothing to sync with, synced at once', () => {
    const channel = createChannel('relay', 'doc')
    expect(channel.openFrames).toEqual([])
    expect(channel.syncedOnOpen).toBe(true)
    expect(channel.answersStep1).toBe(false)
  })
})
