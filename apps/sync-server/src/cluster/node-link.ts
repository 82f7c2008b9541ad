/**
 * One control link between two nodes: a WebSocket carrying link messages (`link-codec.ts`),
 * requests with ids and deadlines in both directions, and a heartbeat. Either node may have
 * dialled; both sides behave the same once it is open.
 */
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import {
  decodeLinkMessage,
  encodeLinkMessage,
  type LinkMessage,
  LinkProtocolError,
  type LinkRequest,
  type LinkResponse,
} from './link-codec.js'
import type { ClusterNode } from './node-list.js'

/** A request that did not get an answer: the link closed, timed out, or the peer failed it. */
export class LinkRequestError extends Error {
  override readonly name = 'LinkRequestError'
  readonly reason: 'closed' | 'timeout' | 'remote' | 'congested'

  constructor(reason: LinkRequestError['reason'], message: string) {
    super(message)
    this.reason = reason
  }
}

/** Limits of one link. */
export interface NodeLinkOptions {
  /** Deadline of one request. */
  readonly timeoutMs: number
  /** Unsent bytes beyond which new requests fail at once instead of queueing. */
  readonly maxBufferedBytes: number
  /** Requests waiting for an answer at once; more fail at once. */
  readonly maxPending: number
  /**
   * Largest frame this link sends (the peer's `maxPayload`, assumed equal to ours). An answer
   * that would be larger is sent as an error instead: the peer would drop the whole link.
   */
  readonly maxFrameBytes: number
}

/** What a link reports to its owner. */
export interface NodeLinkDeps {
  readonly logger: Logger
  onHello(link: NodeLink, node: string, members: readonly ClusterNode[]): void
  /** Answer a request of the peer. A rejection is sent back as an error message. */
  onRequest(link: NodeLink, request: LinkRequest): Promise<LinkResponse>
  /** Called once, when the link is closed for whatever reason. */
  onClosed(link: NodeLink): void
}

interface Pending {
  readonly resolve: (response: LinkResponse) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

/** A link to node `peer`. */
export class NodeLink {
  readonly peer: string
  readonly direction: 'in' | 'out'
  readonly #ws: WebSocket
  readonly #options: NodeLinkOptions
  readonly #deps: NodeLinkDeps
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #alive = true
  #closed = false
  #peerProtocol = 1

  constructor(
    ws: WebSocket,
    peer: string,
    direction: 'in' | 'out',
    hello: { node: string; members: readonly ClusterNode[]; protocol: number },
    options: NodeLinkOptions,
    deps: NodeLinkDeps,
  ) {
    this.peer = peer
    this.direction = direction
    this.#ws = ws
    this.#options = options
    this.#deps = deps
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    ws.on('pong', () => {
      this.#alive = true
    })
    ws.on('error', (error) => deps.logger.debug({ err: error, peer }, 'node link error'))
    ws.on('close', () => this.#onClosed())
    this.#send({ type: 'hello', ...hello })
  }

  /** Whether the link can carry requests. */
  get open(): boolean {
    return !this.#closed
  }

  /** The revision of the link messages the peer speaks (1 until its hello says otherwise). */
  get peerProtocol(): number {
    return this.#peerProtocol
  }

  /**
   * Ask the peer; resolves with its answer.
   *
   * @throws {LinkRequestError}
   */
  request(request: LinkRequest, timeoutMs = this.#options.timeoutMs): Promise<LinkResponse> {
    if (this.#closed) return Promise.reject(new LinkRequestError('closed', 'link is closed'))
    if (
      this.#pending.size >= this.#options.maxPending ||
      this.#ws.bufferedAmount > this.#options.maxBufferedBytes
    ) {
      return Promise.reject(new LinkRequestError('congested', 'link is congested'))
    }
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new LinkRequestError('timeout', `${request.op} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, { resolve, reject, timer })
      this.#send({ type: 'request', id, request })
    })
  }

  /** Heartbeat tick: terminate if the last ping went unanswered, else ping again. */
  heartbeat(): void {
    if (this.#closed) return
    if (!this.#alive) {
      this.#deps.logger.warn({ peer: this.peer }, 'node link stopped answering; dropping it')
      this.#ws.terminate()
      return
    }
    this.#alive = false
    this.#ws.ping()
  }

  /** Close the link. */
  close(code = 1001, reason = 'node shutting down'): void {
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING) {
      this.#ws.close(code, reason)
    }
  }

  /** Drop the link at once. */
  terminate(): void {
    this.#ws.terminate()
  }

  #send(message: LinkMessage): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return
    let frame = encodeLinkMessage(message)
    if (frame.byteLength > this.#options.maxFrameBytes && message.type === 'response') {
      // The peer would close the link (1009), failing every request on it: fail this one.
      const text = `the answer (${frame.byteLength} bytes) is larger than a node link frame may be (${this.#options.maxFrameBytes}); raise --max-buffered-bytes`
      this.#deps.logger.error({ peer: this.peer, op: message.response.op }, text)
      frame = encodeLinkMessage({ type: 'error', id: message.id, message: text })
    }
    this.#ws.send(frame, { binary: true })
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    this.#alive = true
    let message: LinkMessage
    try {
      if (!isBinary) throw new LinkProtocolError('text frame on a node link')
      message = decodeLinkMessage(data)
    } catch (error) {
      this.#deps.logger.error({ err: error, peer: this.peer }, 'bad frame on a node link; closing')
      this.#ws.close(4400, 'bad link frame')
      return
    }
    switch (message.type) {
      case 'hello':
        this.#peerProtocol = message.protocol
        this.#deps.onHello(this, message.node, message.members)
        return
      case 'request': {
        const { id, request } = message
        this.#deps.onRequest(this, request).then(
          (response) => this.#send({ type: 'response', id, response }),
          (error: unknown) => {
            this.#deps.logger.error(
              { err: error, peer: this.peer, op: request.op },
              'answering a node request failed',
            )
            const text = error instanceof Error ? error.message : String(error)
            this.#send({ type: 'error', id, message: text || 'request failed' })
          },
        )
        return
      }
      case 'response':
      case 'error': {
        const pending = this.#pending.get(message.id)
        if (pending === undefined) return // Timed out already.
        this.#pending.delete(message.id)
        clearTimeout(pending.timer)
        if (message.type === 'response') pending.resolve(message.response)
        else pending.reject(new LinkRequestError('remote', message.message))
        return
      }
      default: {
        const unreachable: never = message
        throw new Error(`unhandled link message ${JSON.stringify(unreachable)}`)
      }
    }
  }

  #onClosed(): void {
    if (this.#closed) return
    this.#closed = true
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer)
      pending.reject(new LinkRequestError('closed', `link to ${this.peer} closed`))
    }
    this.#pending.clear()
    this.#deps.onClosed(this)
  }
}
