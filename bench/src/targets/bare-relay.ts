/**
 * The bare relay: a WebSocket server that forwards every frame, as it is, to the other sockets
 * of the same URL path. No decoding, no state, no persistence: what this machine can do with
 * `ws` at all, the yardstick every target is divided by.
 *
 * With `--fault drop:N` it drops every N-th frame; with `--fault reorder:N` it holds every
 * N-th frame of a socket back and forwards it after that socket's next frame. Both exist only
 * to prove that the harness fails a server that loses or reorders updates.
 *
 * Usage: node bare-relay.js --port <port> [--fault drop:N|reorder:N]
 * Prints "bare-relay listening on <port>" once it accepts connections.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { type RawData, WebSocket, WebSocketServer } from 'ws'

/** A fault to inject, parsed from `--fault`. */
export type Fault = { readonly kind: 'drop' | 'reorder'; readonly every: number } | null

/**
 * Parse `drop:N` or `reorder:N`.
 *
 * @throws {Error} on anything else.
 */
export function parseFault(text: string | undefined): Fault {
  if (text === undefined || text === '') return null
  const match = /^(drop|reorder):(\d+)$/.exec(text)
  const every = Number(match?.[2])
  if (match === null || !(every >= 2)) {
    throw new Error(`--fault must be drop:N or reorder:N with N >= 2, not ${text}`)
  }
  return { kind: match[1] as 'drop' | 'reorder', every }
}

function main(): void {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, fault: { type: 'string' } },
  })
  const fault = parseFault(values.fault)
  const rooms = new Map<string, Set<WebSocket>>()
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('bare relay\n')
  })
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false })
  let frames = 0
  wss.on('connection', (ws, req) => {
    const path = req.url ?? '/'
    let peers = rooms.get(path)
    if (peers === undefined) {
      peers = new Set()
      rooms.set(path, peers)
    }
    const room = peers
    room.add(ws)
    let held: RawData | null = null
    let ownFrames = 0
    const forward = (data: RawData, isBinary: boolean): void => {
      for (const peer of room) {
        if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(data, { binary: isBinary })
      }
    }
    ws.on('message', (data, isBinary) => {
      frames++
      ownFrames++
      if (fault?.kind === 'drop' && frames % fault.every === 0) return
      if (fault?.kind === 'reorder') {
        if (held !== null) {
          forward(data, isBinary)
          forward(held, isBinary)
          held = null
          return
        }
        if (ownFrames % fault.every === 0) {
          held = data
          return
        }
      }
      forward(data, isBinary)
    })
    ws.on('error', () => ws.terminate())
    ws.on('close', () => {
      room.delete(ws)
      if (room.size === 0) rooms.delete(path)
    })
  })
  http.listen(Number(values.port), '127.0.0.1', () => {
    process.stdout.write(`bare-relay listening on ${(http.address() as AddressInfo).port}\n`)
  })
  const stop = (): void => {
    wss.close()
    http.closeAllConnections()
    http.close(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

if (import.meta.url === `file://${process.argv[1]}`) main()
