/**
 * Adversarial payloads: each attack must leave the server up, the other clients of the same
 * and another document converging, and the stored documents exactly as they wrote them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createToken } from '../auth/create-token.js'
import { encodeAwarenessUpdate } from '../protocol/awareness-codec.js'
import { CloseCode } from '../protocol/close-codes.js'
import { encodeAwarenessMessage, encodeSyncUpdate } from '../protocol/codec.js'
import { rssMiB, watchWith } from '../test-support/bystanders.js'
import { Cleanup, openRawSocket, startServer, until } from '../test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** An update from a fresh doc whose client id is `clientId`. */
function updateAs(clientId: number, edit: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  edit(doc)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

describe('adversarial payloads', () => {
  it('refuses a 50 MB frame with 1009', async () => {
    const server = await startServer(cleanup)
    const watch = await watchWith(cleanup, server, 'target')
    const before = rssMiB()
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    const huge = updateAs(7, (doc) => doc.getText('t').insert(0, 'x'.repeat(50 * 2 ** 20)))
    raw.ws.send(encodeSyncUpdate(huge))
    expect((await raw.closed).code).toBe(CloseCode.messageTooBig)
    await watch.check('after a 50 MB update')
    console.info(`50 MB update: RSS ${before} → ${rssMiB()} MiB`)
  })

  it('drops a 1 MB awareness state and keeps the socket', async () => {
    const server = await startServer(cleanup)
    const watch = await watchWith(cleanup, server, 'target')
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    const state = JSON.stringify({ user: { name: 'x'.repeat(2 ** 20) } })
    raw.ws.send(encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: 99, clock: 1, state }])))
    const dropped = async () =>
      (await server.server.metrics.awarenessDropped.get()).values.find(
        (v) => v.labels.reason === 'oversized-state',
      )?.value ?? 0
    // The drop is counted once the frame is handled; the bystanders' next round trip orders it.
    await watch.check('after a 1 MB awareness state')
    expect(await dropped()).toBe(1)
    expect(watch.target[0].provider.awareness.getStates().has(99)).toBe(false)
    expect(raw.ws.readyState).toBe(raw.ws.OPEN)
  })

  it('refuses deeply nested types without touching the document', async () => {
    const server = await startServer(cleanup)
    const watch = await watchWith(cleanup, server, 'target')
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    const deep = updateAs(77, (doc) => {
      let map = doc.getMap('m')
      for (let i = 0; i < 2_000; i++) {
        const child = new Y.Map<unknown>()
        map.set('c', child)
        map = child
      }
    })
    raw.ws.send(encodeSyncUpdate(deep))
    expect(await raw.closed).toMatchObject({ code: CloseCode.invalidUpdate, reason: /deep/ })
    await watch.check('after deep nesting')
  })

  it('bounds updates with missing dependencies, however often they are sent', async () => {
    const server = await startServer(cleanup, { maxPendingUpdatesPerSocket: 50 })
    const watch = await watchWith(cleanup, server, 'target')
    const before = rssMiB()
    // Each update continues a client's history the server never saw: Yjs must hold it back.
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    for (let i = 0; i < 200; i++) {
      const doc = new Y.Doc()
      doc.clientID = 1000 + i
      doc.getText('t').insert(0, 'first')
      const sv = Y.encodeStateVector(doc)
      doc.getText('t').insert(5, 'x'.repeat(100))
      raw.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc, sv)))
      doc.destroy()
    }
    expect(await raw.closed).toMatchObject({
      code: CloseCode.invalidUpdate,
      reason: /missing dependencies/,
    })
    // A second socket runs into the per-room byte cap instead.
    const second = await openRawSocket(cleanup, server.wsUrl, 'target')
    for (let i = 0; i < 40 && second.ws.readyState === second.ws.OPEN; i++) {
      const doc = new Y.Doc()
      doc.clientID = 5000 + i
      doc.getText('t').insert(0, 'a')
      const sv = Y.encodeStateVector(doc)
      doc.getText('t').insert(1, 'y'.repeat(60_000))
      second.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc, sv)))
      doc.destroy()
    }
    expect((await second.closed).code).toBe(CloseCode.invalidUpdate)
    await watch.check('after pending-struct floods')
    console.info(`pending-struct flood: RSS ${before} → ${rssMiB()} MiB`)
  })

  it('refuses an update that would grow a document past its size limit', async () => {
    const server = await startServer(cleanup, { maxDocBytes: 64 * 1024 })
    const watch = await watchWith(cleanup, server, 'target')
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    raw.ws.send(
      encodeSyncUpdate(updateAs(55, (doc) => doc.getText('t').insert(0, 'z'.repeat(100_000)))),
    )
    expect(await raw.closed).toMatchObject({ code: CloseCode.documentTooLarge })
    await watch.check('after an oversized document')
  })

  it('closes a socket that floods frames with 4429, without disturbing the others', async () => {
    const server = await startServer(cleanup, { maxMessagesPerSecond: 100, messageBurst: 200 })
    const watch = await watchWith(cleanup, server, 'target')
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    for (let i = 0; i < 5000; i++) raw.ws.send(Uint8Array.of(3))
    expect(await raw.closed).toMatchObject({ code: CloseCode.rateLimited })
    await watch.check('after a frame flood')
  })

  it('coalesces an awareness flood: others see few updates, and the last state', async () => {
    const server = await startServer(cleanup, {
      maxMessagesPerSecond: 1_000_000,
      messageBurst: 1_000_000,
      maxAwarenessPerSecond: 10,
    })
    const watch = await watchWith(cleanup, server, 'target')
    const observer = watch.target[0].provider.awareness
    let seen = 0
    observer.on('update', ({ added, updated }: { added: number[]; updated: number[] }) => {
      if (added.includes(4242) || updated.includes(4242)) seen++
    })
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target')
    const flood = 3000
    for (let clock = 1; clock <= flood; clock++) {
      const state = JSON.stringify({ cursor: clock })
      raw.ws.send(encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: 4242, clock, state }])))
    }
    await until(
      () => observer.getStates().get(4242)?.cursor === flood,
      { alsoOn: [[observer, 'change']] },
      'last presence state arrives',
    )
    // Burst (20) plus the coalesced rest: a few dozen relays instead of 3000.
    expect(seen).toBeLessThan(100)
    await watch.check('after an awareness flood')
  })
})

describe('adversarial identities (auth on)', () => {
  const secret = 'adversarial-test-secret-of-enough-length'
  it('refuses writes and presence under another user’s client id', async () => {
    const server = await startServer(cleanup, { authSecret: secret })
    const token = (user: string) =>
      createToken({ key: secret, user, doc: '*', access: 'write', ttlSeconds: 600 })
    const watch = await watchWith(cleanup, server, 'target', { token: await token('alice') })
    const victim = watch.target[0]
    const victimId = victim.doc.clientID
    victim.doc.getText('t').insert(0, 'mine ')
    await watch.check('victim wrote')
    const mallory = await token('mallory')

    // Claiming clocks of the victim's client id beyond what the server has: her future edits.
    const raw = await openRawSocket(cleanup, server.wsUrl, 'target', { token: mallory })
    const state = Y.encodeStateVector(victim.doc)
    const forged = new Y.Doc()
    Y.applyUpdate(forged, Y.encodeStateAsUpdate(victim.doc))
    forged.clientID = victimId
    forged.getText('t').insert(0, 'forged ')
    raw.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(forged, state)))
    forged.destroy()
    expect(await raw.closed).toMatchObject({
      code: CloseCode.invalidUpdate,
      reason: /another user/,
    })

    // Presence under the victim's id is dropped too.
    const spoof = await openRawSocket(cleanup, server.wsUrl, 'target', { token: mallory })
    spoof.ws.send(
      encodeAwarenessMessage(
        encodeAwarenessUpdate([
          { clientId: victimId, clock: 999, state: '{"user":{"name":"fake"}}' },
        ]),
      ),
    )
    await watch.check('after forged writes and presence')
    expect(victim.provider.awareness.getStates().get(victimId)?.user?.name).not.toBe('fake')
    expect(watch.target[1].provider.awareness.getStates().get(victimId)?.user?.name).not.toBe(
      'fake',
    )
    // The victim keeps writing under her id.
    victim.doc.getText('t').insert(0, 'still mine ')
    await watch.check('victim writes again')
  })
})
