/** Integration: the standard y-websocket client against a real server on a real socket. */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  Cleanup,
  connectClient,
  converged,
  startServer,
  synced,
  until,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('sync between y-websocket clients', () => {
  it('converges two clients on a Y.Text and a Y.XmlFragment; a late joiner gets everything', async () => {
    const { wsUrl } = await startServer(cleanup)
    const a = connectClient(cleanup, wsUrl, 'shared')
    const b = connectClient(cleanup, wsUrl, 'shared')
    await Promise.all([synced(a), synced(b)])

    // Concurrent edits from both sides.
    a.doc.getText('text').insert(0, 'hello ')
    b.doc.getText('text').insert(0, 'world ')
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('from a')])
    a.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
    const heading = new Y.XmlElement('heading')
    heading.setAttribute('level', '1')
    b.doc.getXmlFragment('prosemirror').insert(0, [heading])
    for (let i = 0; i < 20; i++) {
      a.doc.getText('text').insert(0, 'a')
      b.doc.getText('text').insert(b.doc.getText('text').length, 'b')
    }
    await converged([a.doc, b.doc])
    expect(a.doc.getText('text').toString()).toBe(b.doc.getText('text').toString())
    expect(a.doc.getText('text').length).toBe(52)
    expect(a.doc.getXmlFragment('prosemirror').toString()).toBe(
      b.doc.getXmlFragment('prosemirror').toString(),
    )
    expect(a.doc.getXmlFragment('prosemirror').length).toBe(2)

    const late = connectClient(cleanup, wsUrl, 'shared')
    await synced(late)
    expect(late.doc.getText('text').toString()).toBe(a.doc.getText('text').toString())
    expect(late.doc.getXmlFragment('prosemirror').toString()).toBe(
      a.doc.getXmlFragment('prosemirror').toString(),
    )
  })

  it('keeps rooms apart', async () => {
    const { wsUrl } = await startServer(cleanup)
    const one = connectClient(cleanup, wsUrl, 'room-one')
    const two = connectClient(cleanup, wsUrl, 'room-two')
    const oneAgain = connectClient(cleanup, wsUrl, 'room-one')
    await Promise.all([synced(one), synced(two), synced(oneAgain)])
    one.doc.getText('t').insert(0, 'only in one')
    two.doc.getText('t').insert(0, 'only in two')
    await converged([one.doc, oneAgain.doc])
    expect(oneAgain.doc.getText('t').toString()).toBe('only in one')
    const fresh = connectClient(cleanup, wsUrl, 'room-two')
    await synced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('only in two')
  })

  it('sends a client the offline edits of others and takes its own when it reconnects', async () => {
    const { wsUrl } = await startServer(cleanup)
    const a = connectClient(cleanup, wsUrl, 'offline')
    const b = connectClient(cleanup, wsUrl, 'offline')
    await Promise.all([synced(a), synced(b)])
    b.provider.disconnect()
    a.doc.getText('t').insert(0, 'online ')
    b.doc.getText('t').insert(0, 'offline ')
    b.provider.connect()
    await converged([a.doc, b.doc])
    expect(a.doc.getText('t').toString()).toMatch(/online/)
    expect(a.doc.getText('t').toString()).toMatch(/offline/)
  })
})

describe('presence', () => {
  it('relays awareness, answers queries and removes a leaving client’s state', async () => {
    const { wsUrl } = await startServer(cleanup)
    const a = connectClient(cleanup, wsUrl, 'presence')
    const b = connectClient(cleanup, wsUrl, 'presence')
    await Promise.all([synced(a), synced(b)])
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    const sees = (client: typeof b, id: number) => client.provider.awareness.getStates().has(id)
    await until(
      () => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada',
      { alsoOn: [[b.provider.awareness, 'change']] },
      'b sees a',
    )
    // A late joiner is sent the current states on connect.
    const c = connectClient(cleanup, wsUrl, 'presence')
    await until(
      () => sees(c, a.doc.clientID),
      { alsoOn: [[c.provider.awareness, 'change']] },
      'c sees a',
    )

    a.destroy()
    await until(
      () => !sees(b, a.doc.clientID) && !sees(c, a.doc.clientID),
      {
        alsoOn: [
          [b.provider.awareness, 'change'],
          [c.provider.awareness, 'change'],
        ],
      },
      'a’s state removed',
    )
  })
})
