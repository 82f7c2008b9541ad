/**
 * Forwarding a client's socket to the node that owns its document. The entry node opens a
 * WebSocket to the owner (authenticated by a node assertion carrying the client's grant),
 * upgrades the client only once the owner has accepted, and then pipes frames both ways,
 * unchanged: the client speaks the standard y-websocket protocol and never knows.
 *
 * The entry checks what only it can see (origin, token, connection limits, the client's send
 * buffer, whether the client is alive); everything about the document and its frames (rate
 * limits, read-only, validation, persistence) is the owner's, in its `Connection`.
 */
import type { Logger } from 'pino'
import { WebSocket } from 'ws'
import type { Grant } from '../auth/grant.js'
import type { ServerMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import { NODE_AUTH_HEADER, type NodeAuth } from './node-auth.js'
import type { ClusterNode } from './node-list.js'

/** Why a socket to the owner could not be opened. */
export type OwnerSocketFailure = 'unreachable' | 'refused' | 'timeout'

/** Settings of forwarded sockets. */
export interface ForwardOptions {
  /** Deadline for the owner to accept the socket. */
  readonly timeoutMs: number
  /** Largest frame from the owner (a whole document state can be bigger than a client frame). */
  readonly maxOwnerFrameBytes: number
  /** Unsent bytes either side may hold before the forwarded socket is dropped. */
  readonly maxBufferedBytes: number
}

/**
 * Open a socket to `owner` for a client of `doc` with `grant`. Resolves with the open socket,
 * or why it could not be opened (never rejects).
 */
export async function openOwnerSocket(
  owner: ClusterNode,
  doc: string,
  grant: Grant,
  self: string,
  auth: NodeAuth,
  options: ForwardOptions,
): Promise<WebSocket | OwnerSocketFailure> {
  const token = await auth.sign({ kind: 'socket', from: self, doc, grant }, owner.id)
  const url = `${owner.url.replace(/^http/, 'ws')}/${encodeURIComponent(doc)}`
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers: { [NODE_AUTH_HEADER]: token },
      handshakeTimeout: options.timeoutMs,
      maxPayload: options.maxOwnerFrameBytes,
      perMessageDeflate: false,
    })
    let settled = false
    const settle = (result: WebSocket | OwnerSocketFailure): void => {
      if (settled) return
      settled = true
      resolve(result)
    }
    ws.once('open', () => {
      // The owner sends its sync step 1 at once: hold it in the socket until the client's
      // side is piped (see ForwardedSocket), or the client would never answer it.
      ws.pause()
      settle(ws)
    })
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      ws.terminate()
      settle('refused')
    })
    ws.on('error', (error) => {
      settle(/timed out/i.test(error.message) ? 'timeout' : 'unreachable')
    })
    ws.once('close', () => settle('unreachable'))
  })
}

/** Codes a close frame may carry (RFC 6455 §7.4): the rest only describe local events. */
const sendable = (code: number): boolean =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
  (code >= 3000 && code <= 4999)

/** Services of a forwarded socket. */
export interface ForwardedSocketDeps {
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Called once, when the client socket is closed. */
  readonly onClosed: (socket: ForwardedSocket) => void
}

/** A client socket piped to the owner of its document. */
export class ForwardedSocket {
  readonly id: string
  readonly docName: string
  readonly owner: string
  readonly #client: WebSocket
  readonly #owner: WebSocket
  readonly #deps: ForwardedSocketDeps
  #clientAlive = true
  #ownerAlive = true
  #closed = false
  readonly #clientClosed: Promise<void>

  constructor(
    id: string,
    client: WebSocket,
    ownerSocket: WebSocket,
    docName: string,
    owner: string,
    options: ForwardOptions,
    deps: ForwardedSocketDeps,
  ) {
    this.id = id
    this.docName = docName
    this.owner = owner
    this.#client = client
    this.#owner = ownerSocket
    this.#deps = deps
    client.binaryType = 'nodebuffer'
    ownerSocket.binaryType = 'nodebuffer'

    client.on('message', (data, isBinary) => {
      this.#clientAlive = true
      if (ownerSocket.readyState !== WebSocket.OPEN) return
      if (ownerSocket.bufferedAmount > options.maxBufferedBytes) {
        this.#log('owner is not reading; closing the forwarded socket')
        client.close(CloseCode.tryAgainLater, 'document owner is not keeping up')
        ownerSocket.terminate()
        return
      }
      // Text frames too: the owner refuses them (4400) and that close comes back here.
      ownerSocket.send(data as Buffer, { binary: isBinary })
    })
    ownerSocket.on('message', (data, isBinary) => {
      this.#ownerAlive = true
      if (client.readyState !== WebSocket.OPEN) return
      if (client.bufferedAmount > options.maxBufferedBytes) {
        // Its buffer is full, so a close frame would not get through: drop the connection.
        this.#log('client is not reading; closing')
        deps.metrics.closes.inc({ code: String(CloseCode.slowConsumer) })
        client.terminate()
        return
      }
      client.send(data as Buffer, { binary: isBinary })
    })
    client.on('pong', () => {
      this.#clientAlive = true
    })
    ownerSocket.on('pong', () => {
      this.#ownerAlive = true
    })
    client.on('error', (error) =>
      deps.logger.debug({ err: error, conn: id }, 'client socket error'),
    )
    ownerSocket.on('error', (error) =>
      deps.logger.debug({ err: error, conn: id, owner }, 'owner socket error'),
    )
    // The owner closed (or died): pass its code on, so the client does what it would have done
    // connected directly; a death without a close frame means the owner is unavailable: 1013.
    ownerSocket.on('close', (code, reason) => {
      if (client.readyState === WebSocket.OPEN) {
        if (sendable(code)) client.close(code, reason)
        else client.close(CloseCode.tryAgainLater, 'document owner unavailable')
      }
    })
    this.#clientClosed = new Promise((resolve) => {
      client.on('close', (code) => {
        if (ownerSocket.readyState === WebSocket.OPEN) {
          if (sendable(code)) ownerSocket.close(code)
          else ownerSocket.terminate()
        } else if (ownerSocket.readyState === WebSocket.CONNECTING) {
          ownerSocket.terminate()
        }
        this.#cleanUp()
        resolve()
      })
    })
    // The owner may have closed while the client's upgrade completed.
    if (ownerSocket.readyState !== WebSocket.OPEN) {
      client.close(CloseCode.tryAgainLater, 'document owner unavailable')
    }
    // Everything listens now: let what the owner sent meanwhile through.
    ownerSocket.resume()
  }

  /** Heartbeat tick: drop a side that did not answer the last ping, else ping both. */
  heartbeat(): boolean {
    if (this.#closed) return false
    if (!this.#clientAlive) {
      this.#log('client stopped answering pings; dropping it')
      this.#client.terminate()
      return false
    }
    if (!this.#ownerAlive) {
      this.#log('owner stopped answering pings')
      this.#owner.terminate()
      return false
    }
    this.#clientAlive = false
    this.#ownerAlive = false
    if (this.#client.readyState === WebSocket.OPEN) this.#client.ping()
    if (this.#owner.readyState === WebSocket.OPEN) this.#owner.ping()
    return true
  }

  /**
   * Close the client with `code` (1001 at shutdown) but keep piping what it sent before it saw
   * the close frame to the owner. Resolves once the client socket is closed.
   */
  goAway(code: number, reason: string): Promise<void> {
    if (this.#client.readyState === WebSocket.OPEN) this.#client.close(code, reason)
    return this.#clientClosed
  }

  /** Drop both sockets at once. */
  terminate(): void {
    this.#client.terminate()
    this.#owner.terminate()
  }

  #cleanUp(): void {
    if (this.#closed) return
    this.#closed = true
    this.#deps.onClosed(this)
  }

  #log(message: string): void {
    this.#deps.logger.info({ conn: this.id, room: this.docName, owner: this.owner }, message)
  }
}
