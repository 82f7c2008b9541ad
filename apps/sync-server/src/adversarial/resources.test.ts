/**
 * Adversarial resource use: floods of connections, handshakes that never finish, and tens of
 * thousands of documents. Memory and sockets stay bounded; the other clients keep working.
 * RSS is reported (it includes the test's own clients: server and clients share a process).
 */
import { EventEmitter, once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { CloseCode } from '../protocol/close-codes.js'
import { encodeSyncUpdate } from '../protocol/codec.js'
import { rssMiB, watchWith } from '../test-support/bystanders.js'
import { Cleanup, startServer } from '../test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** Open a TCP connection from `localAddress` (loopback has all of 127.0.0.0/8). */
function tcp(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    cleanup.add(() => socket.destroy())
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

const closedSocket = (socket: Socket): Promise<void> =>
  socket.destroyed
    ? Promise.resolve()
    : new Promise((resolve) => socket.once('close', () => resolve()))

describe('adversarial resource use', () => {
  it('drops connections beyond the per-address limit, and serves other addresses', async () => {
    const limit = 100
    const server = await startServer(cleanup, { maxConnectionsPerIp: limit })
    const watch = await watchWith(cleanup, server, 'target')
    const before = rssMiB()
    const port = Number(new URL(server.httpUrl).port)
    // Thousands of sockets from one address, in waves the listen backlog can take.
    const sockets: Socket[] = []
    for (let wave = 0; wave < 10; wave++) {
      sockets.push(
        ...(await Promise.all(Array.from({ length: 200 }, () => tcp(port, '127.0.0.2')))),
      )
    }
    // The server closes every one beyond the limit at once; the first `limit` stay open.
    const closed = sockets.map(closedSocket)
    await Promise.all(closed.slice(limit))
    expect(sockets.slice(0, limit).every((s) => !s.destroyed)).toBe(true)
    await watch.check('during a connection flood')
    const refused = (await server.server.metrics.connectionsRefused.get()).values.find(
      (v) => v.labels.reason === 'per_ip',
    )?.value
    expect(refused).toBe(sockets.length - limit)
    console.info(
      `connection flood (${sockets.length} sockets from one address): RSS ${before} → ${rssMiB()} MiB`,
    )
  })

  it('behind a trusted proxy, limits each address it forwards for, not the proxy', async () => {
    // Joins and leaves, to wait for a socket the server has let go of.
    const events = new EventEmitter()
    const server = await startServer(
      cleanup,
      { maxConnectionsPerIp: 2, trustedProxies: ['127.0.0.5'] },
      { onUserJoined: () => events.emit('joined'), onUserLeft: () => events.emit('left') },
    )
    const joins = (count: number) =>
      new Promise<void>((resolve) => {
        let seen = 0
        const onJoined = () => {
          if (++seen < count) return
          events.off('joined', onJoined)
          resolve()
        }
        events.on('joined', onJoined)
      })
    // What the proxy sends: the client's own claim on the left, the proxy's entry on the right.
    const via = (forwardedFor: string, localAddress = '127.0.0.5') => {
      const ws = new WebSocket(`${server.wsUrl}/doc`, {
        localAddress,
        headers: { 'x-forwarded-for': forwardedFor },
      })
      cleanup.add(() => ws.terminate())
      ws.on('error', () => undefined)
      return ws
    }
    const outcome = (ws: WebSocket) =>
      new Promise<number | 'open' | 'dropped'>((resolve) => {
        ws.once('open', () => resolve('open'))
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.once('close', () => resolve('dropped'))
      })
    const joined = joins(4)
    const first = [via('203.0.113.9'), via('198.51.100.1, 203.0.113.9')]
    expect(await Promise.all(first.map(outcome))).toEqual(['open', 'open'])
    // A third from the same client is refused, whatever it wrote on the left; the proxy's
    // own address is not limited: other clients still get in through it.
    expect(await outcome(via('203.0.113.10, 203.0.113.9'))).toBe(429)
    expect(await Promise.all([via('203.0.113.10'), via('203.0.113.11')].map(outcome))).toEqual([
      'open',
      'open',
    ])
    // A closed socket gives its place back (the server counts it off when the TCP socket
    // closes, before the peer leaves its room).
    await joined
    const left = once(events, 'left')
    ;(first[0] as WebSocket).close()
    await left
    expect(await outcome(via('203.0.113.9'))).toBe('open')
    // From an address that is not a trusted proxy the header means nothing: the connecting
    // address is the client.
    const direct = [1, 2, 3].map((i) => via(`192.0.2.${i}`, '127.0.0.6'))
    const results = await Promise.all(direct.map(outcome))
    expect(results.sort()).toEqual(['dropped', 'open', 'open'])
  })

  it('disconnects handshakes that never complete (slowloris)', async () => {
    const server = await startServer(cleanup, { handshakeTimeoutMs: 1000 })
    const watch = await watchWith(cleanup, server, 'target')
    const port = Number(new URL(server.httpUrl).port)
    const slow = await Promise.all(Array.from({ length: 200 }, () => tcp(port, '127.0.0.3')))
    for (const socket of slow)
      socket.write('GET /target HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n')
    const idle = await Promise.all(Array.from({ length: 50 }, () => tcp(port, '127.0.0.3')))
    await Promise.all([...slow, ...idle].map(closedSocket))
    await watch.check('after slowloris')
  })

  it('refuses connections beyond the total limit with 1013 for browsers, 503 otherwise', async () => {
    const server = await startServer(cleanup, { maxConnections: 3 })
    const held = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const ws = new WebSocket(`${server.wsUrl}/filler`)
        cleanup.add(() => ws.terminate())
        await new Promise((resolve) => ws.once('message', resolve))
        return ws
      }),
    )
    expect(held).toHaveLength(3)
    const browser = new WebSocket(`${server.wsUrl}/one-too-many`, { origin: server.httpUrl })
    cleanup.add(() => browser.terminate())
    const code = await new Promise((resolve) => browser.on('close', resolve))
    expect(code).toBe(CloseCode.tryAgainLater)
    const plain = new WebSocket(`${server.wsUrl}/one-too-many`)
    cleanup.add(() => plain.terminate())
    plain.on('error', () => undefined)
    const status = await new Promise((resolve) =>
      plain.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    )
    expect(status).toBe(503)
  })

  it('keeps memory bounded across 20,000 distinct documents, unloading idle ones', async () => {
    const unloaded = new Set<string>()
    let expected = Number.POSITIVE_INFINITY
    let everyoneUnloaded: () => void = () => undefined
    const allUnloaded = new Promise<void>((resolve) => {
      everyoneUnloaded = resolve
    })
    const server = await startServer(
      cleanup,
      { idleTimeoutMs: 100, maxRooms: 2000, maxConnectionsPerIp: 100_000 },
      {
        onRoomUnloaded: (name) => {
          unloaded.add(name)
          if (unloaded.size >= expected) everyoneUnloaded()
        },
      },
    )
    const before = rssMiB()
    const total = 20_000
    const concurrency = 250
    let next = 0
    let refused = 0
    const update = (() => {
      const doc = new Y.Doc()
      doc.getText('t').insert(0, 'hello')
      return encodeSyncUpdate(Y.encodeStateAsUpdate(doc))
    })()
    // Each worker opens a document, writes to it, waits for the server's answer and leaves.
    const worker = async (): Promise<void> => {
      while (next < total) {
        const name = `doc-${next++}`
        const ws = new WebSocket(`${server.wsUrl}/${name}`)
        await new Promise<void>((resolve) => {
          ws.once('message', () => {
            ws.send(update)
            ws.close()
          })
          ws.once('close', (code) => {
            if (code === CloseCode.tryAgainLater) refused++
            resolve()
          })
          ws.on('error', () => undefined)
        })
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    expected = total - refused
    if (unloaded.size >= expected) everyoneUnloaded()
    const peak = rssMiB()
    // Every document unloads once idle.
    await allUnloaded
    expect(server.server.roomCount).toBe(0)
    console.info(
      `20,000 documents (max 2000 loaded, ${refused} told to retry): RSS ${before} → peak ${peak} → ${rssMiB()} MiB; ${unloaded.size} unloaded`,
    )
    expect(unloaded.size).toBe(total - refused)
    expect(peak - before).toBeLessThan(600)
    // Each of the 20,000 unloads also stores an automatic version (the session's changes):
    // about a third more disk work than before versions, which on a loaded 2-core machine
    // pushes the run past the default 60 s.
  }, 150_000)
})
