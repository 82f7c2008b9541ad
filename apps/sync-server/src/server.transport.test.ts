/** Integration: heartbeat, slow consumers and shutdown behaviour on real sockets. */
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CloseCode } from './protocol/close-codes.js'
import {
  Cleanup,
  type Client,
  connectClient,
  converged,
  openRawSocket,
  startServer,
  synced,
  until,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** The TCP socket under a y-websocket client's `ws` WebSocket. */
const tcpSocketOf = (client: Client): Socket =>
  (client.provider.ws as unknown as { _socket: Socket })._socket

describe('heartbeat', () => {
  it('removes the presence of a client that stops answering, within the heartbeat interval', async () => {
    const heartbeatIntervalMs = 200
    const { wsUrl } = await startServer(cleanup, { heartbeatIntervalMs })
    const watcher = connectClient(cleanup, wsUrl, 'hb')
    const ghost = connectClient(cleanup, wsUrl, 'hb')
    await Promise.all([synced(watcher), synced(ghost)])
    ghost.provider.awareness.setLocalStateField('user', { name: 'Ghost' })
    const seesGhost = () => watcher.provider.awareness.getStates().has(ghost.doc.clientID)
    const onChange: [typeof watcher.provider.awareness, string][] = [
      [watcher.provider.awareness, 'change'],
    ]
    await until(seesGhost, { alsoOn: onChange }, 'watcher sees ghost')

    // The ghost's machine vanishes: it neither reads nor answers pings, and sends no close.
    const started = performance.now()
    tcpSocketOf(ghost).pause()
    await until(() => !seesGhost(), { alsoOn: onChange }, 'ghost removed')
    const elapsed = performance.now() - started
    // Detected by the heartbeat (between one and two intervals), not by some later timeout.
    expect(elapsed).toBeLessThan(heartbeatIntervalMs * 5)
  })

  it('removes the presence of a client whose connection drops without a close frame', async () => {
    const { wsUrl } = await startServer(cleanup)
    const watcher = connectClient(cleanup, wsUrl, 'drop')
    const dropped = connectClient(cleanup, wsUrl, 'drop')
    await Promise.all([synced(watcher), synced(dropped)])
    dropped.provider.awareness.setLocalStateField('user', { name: 'Dropped' })
    const sees = () => watcher.provider.awareness.getStates().has(dropped.doc.clientID)
    const onChange: [typeof watcher.provider.awareness, string][] = [
      [watcher.provider.awareness, 'change'],
    ]
    await until(sees, { alsoOn: onChange }, 'watcher sees the client')
    dropped.provider.shouldConnect = false
    tcpSocketOf(dropped).destroy()
    await until(() => !sees(), { alsoOn: onChange }, 'state removed')
  })
})

describe('send buffer limit', () => {
  it('closes a client that stops reading instead of buffering without bound', async () => {
    const { wsUrl, server } = await startServer(cleanup, {
      maxFrameBytes: 64 * 1024,
      maxBufferedBytes: 128 * 1024,
    })
    const writer = connectClient(cleanup, wsUrl, 'flood')
    const reader = connectClient(cleanup, wsUrl, 'flood')
    await Promise.all([synced(writer), synced(reader)])
    const stuck = await openRawSocket(cleanup, wsUrl, 'flood')
    ;(stuck.ws as unknown as { _socket: Socket })._socket.pause()
    expect(server.connectionCount).toBe(3)

    // Write until the server has given up on the stuck client. The kernel buffers a few MB on
    // loopback before the server's own buffer starts to grow.
    const chunk = 'x'.repeat(32 * 1024)
    const text = writer.doc.getText('t')
    let written = 0
    const rssBefore = process.memoryUsage().rss
    while (server.connectionCount === 3) {
      for (let i = 0; i < 16; i++) text.insert(text.length, chunk)
      written += 16 * chunk.length
      await converged([writer.doc, reader.doc])
      if (written > 256 * 1024 * 1024) throw new Error('stuck client was never closed')
    }
    const closes = await server.metrics.closes.get()
    expect(closes.values.find((v) => v.labels.code === String(CloseCode.slowConsumer))?.value).toBe(
      1,
    )
    // The others were not affected.
    text.insert(0, 'still syncing')
    await converged([writer.doc, reader.doc])
    expect(writer.provider.wsconnected && reader.provider.wsconnected).toBe(true)
    console.info(
      `slow consumer closed after ${(written / 2 ** 20).toFixed(1)} MiB written; ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    )
  })
})

describe('shutdown', () => {
  it('closes sockets with 1001 and refuses new upgrades', async () => {
    const { wsUrl, server } = await startServer(cleanup)
    const raw = await openRawSocket(cleanup, wsUrl, 'bye')
    await server.close()
    expect((await raw.closed).code).toBe(CloseCode.goingAway)
  })
})
