/**
 * Integration: frames no well-behaved client sends close only the offending socket, with the
 * documented code; other clients keep converging and the stored document is unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from './protocol/close-codes.js'
import {
  Cleanup,
  connectClient,
  converged,
  openRawSocket,
  startServer,
  synced,
  upgradeStatus,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  let state = seed
  return Uint8Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state >> 16
  })
}

const MAX_FRAME = 64 * 1024

const badFrames: [label: string, frame: Uint8Array | string, expected: number][] = [
  ['random bytes', Uint8Array.from([0xff, ...pseudoRandomBytes(200, 1)]), CloseCode.badFrame],
  ['a truncated varint', Uint8Array.of(0x80), CloseCode.badFrame],
  ['an empty frame', new Uint8Array(0), CloseCode.badFrame],
  ['an unknown message type', Uint8Array.of(9, 0), CloseCode.badFrame],
  ['an unknown sync type', Uint8Array.of(0, 5, 0), CloseCode.badFrame],
  ['an auth message', Uint8Array.of(2, 0, 1, 65), CloseCode.badFrame],
  [
    'a huge length prefix',
    Uint8Array.of(0, 2, 0xff, 0xff, 0xff, 0xff, 0x07, 1),
    CloseCode.badFrame,
  ],
  ['trailing bytes', Uint8Array.of(3, 3), CloseCode.badFrame],
  ['a text frame', 'hello', CloseCode.badFrame],
  [
    'a garbage update',
    Uint8Array.of(0, 2, 6, 0xff, 0xff, 0xff, 0xff, 0x0f, 1),
    CloseCode.invalidUpdate,
  ],
  ['a garbage step 2', Uint8Array.of(0, 1, 4, 1, 1, 0xff, 0x7f), CloseCode.invalidUpdate],
  ['a garbage state vector', Uint8Array.of(0, 0, 3, 5, 1, 0x80), CloseCode.invalidUpdate],
  ['a garbage awareness update', Uint8Array.of(1, 3, 2, 1, 1), CloseCode.invalidUpdate],
  ['a frame over the size limit', new Uint8Array(MAX_FRAME + 1), CloseCode.messageTooBig],
]

describe('malformed frames', () => {
  it('close only the offending socket, never change the document, never stop the server', async () => {
    const { wsUrl, httpUrl, server } = await startServer(cleanup, { maxFrameBytes: MAX_FRAME })
    const a = connectClient(cleanup, wsUrl, 'target')
    const b = connectClient(cleanup, wsUrl, 'target')
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'before ')
    await converged([a.doc, b.doc])

    for (const [label, frame, expected] of badFrames) {
      const raw = await openRawSocket(cleanup, wsUrl, 'target')
      raw.ws.send(frame, { binary: typeof frame !== 'string' })
      const { code } = await raw.closed
      expect({ label, code }).toEqual({ label, code: expected })
      // The well-behaved clients are still connected and converging.
      b.doc.getText('t').insert(b.doc.getText('t').length, '.')
      await converged([a.doc, b.doc])
    }
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true)
    expect(a.doc.getText('t').toString()).toBe(`before ${'.'.repeat(badFrames.length)}`)

    // What is stored is exactly what the good clients wrote.
    const fresh = connectClient(cleanup, wsUrl, 'target')
    await synced(fresh)
    expect(Y.encodeStateVector(fresh.doc)).toEqual(Y.encodeStateVector(a.doc))
    expect(fresh.doc.getText('t').toString()).toBe(a.doc.getText('t').toString())

    const health = await fetch(`${httpUrl}/healthz`)
    expect(health.status).toBe(200)
    const rejected = await server.metrics.framesRejected.get()
    const total = rejected.values.reduce((sum, v) => sum + v.value, 0)
    // Every bad frame but the oversized one (ws refuses that before we see it) is counted.
    expect(total).toBe(badFrames.length - 1)
  })

  it('refuses upgrades for invalid document names with HTTP 400', async () => {
    const { httpUrl } = await startServer(cleanup)
    for (const path of ['/', '/%00', '/a%0Ab', '/%E0%A4%A', `/${'x'.repeat(600)}`]) {
      const { status, body } = await upgradeStatus(httpUrl, path)
      expect({ path, status }).toEqual({ path, status: 400 })
      expect(body).toMatch(/document name|name a document/)
    }
    // Names that look like paths are opaque keys, accepted.
    for (const path of ['/..%2F..%2Fetc%2Fpasswd', '/%F0%9F%98%80', '/a/b']) {
      expect(await upgradeStatus(httpUrl, path)).toEqual({ status: 101, body: '' })
    }
  })
})
