/**
 * One client socket in one room: decodes its frames at the edge, hands them to the room,
 * and sends with a bounded buffer. Frames that arrive while the room loads wait in a
 * bounded queue, so a client is never answered before the stored document is complete.
 */
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { Grant } from '../auth/grant.js'
import type { FrameKind, SentFrameKind, ServerMetrics } from '../metrics.js'
import { closeCodeLabel } from '../metrics-labels.js'
import { CloseCode } from '../protocol/close-codes.js'
import { decodeClientMessage } from '../protocol/codec.js'
import { ProtocolError } from '../protocol/protocol-error.js'
import { type Peer, type Room, RoomFailedError } from '../room/room.js'
import {
  type RoomHold,
  RoomLimitError,
  type RoomRegistry,
  RoomUnavailableError,
} from '../room/room-registry.js'
import { AwarenessThrottle, type ThrottleClock } from './awareness-throttle.js'
import { TokenBucket } from './token-bucket.js'

/** Per-socket limits. */
export interface ConnectionOptions {
  /** A socket whose unsent bytes pass this is closed (a client that stops reading). */
  readonly maxBufferedBytes: number
  /** Frames a client may send before its room is loaded. */
  readonly maxQueuedFrames: number
  /** Bytes a client may send before its room is loaded. */
  readonly maxQueuedBytes: number
  /** How long to wait for the room to load before closing with 1013. */
  readonly loadTimeoutMs: number
  /** Sustained frames per second and burst; beyond them the socket is closed with 4429. */
  readonly maxMessagesPerSecond: number
  readonly messageBurst: number
  /** Sustained bytes per second and burst; beyond them the socket is closed with 4429. */
  readonly maxBytesPerSecond: number
  readonly byteBurst: number
  /** Presence updates relayed per second; more are coalesced. */
  readonly maxAwarenessPerSecond: number
}

const realClock: ThrottleClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/** Services a connection uses. */
export interface ConnectionDeps {
  readonly registry: RoomRegistry
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Called once, when the connection is closed for whatever reason. */
  readonly onClosed: (connection: Connection) => void
  /** Called when the connection has joined its (loaded) room. */
  readonly onJoined?: (connection: Connection) => void
  /** Called when a connection that had joined its room leaves it, with the close code. */
  readonly onLeft?: (connection: Connection, code: number) => void
}

// Close reasons must fit in a control frame (123 bytes).
const reasonText = (reason: string): string =>
  Buffer.byteLength(reason) <= 123 ? reason : Buffer.from(reason).subarray(0, 120).toString()

/** A client connected to one document. */
export class Connection implements Peer {
  readonly id: string
  readonly docName: string
  #grant: Grant
  readonly #socket: WebSocket
  readonly #messages: TokenBucket
  readonly #bytes: TokenBucket
  readonly #awareness: AwarenessThrottle
  #bytesIn = 0
  #bytesOut = 0
  readonly #options: ConnectionOptions
  readonly #deps: ConnectionDeps
  readonly #hold: RoomHold
  readonly #openedAt = performance.now()
  #room: Room | null = null
  #queue: Buffer[] | null = []
  #queuedBytes = 0
  #closed = false
  /** Set by `goAway`: a close frame is sent, frames sent before it are still taken. */
  #goingAway: Promise<void> | null = null
  #socketClosed: Promise<void>
  #loadTimer: NodeJS.Timeout | null
  #expiryTimer: NodeJS.Timeout | null = null
  /** Cleared by each heartbeat, set by any sign of life. */
  #alive = true

  constructor(
    id: string,
    socket: WebSocket,
    docName: string,
    grant: Grant,
    options: ConnectionOptions,
    deps: ConnectionDeps,
  ) {
    this.id = id
    this.docName = docName
    this.#grant = grant
    const now = performance.now()
    this.#messages = new TokenBucket(options.maxMessagesPerSecond, options.messageBurst, now)
    this.#bytes = new TokenBucket(options.maxBytesPerSecond, options.byteBurst, now)
    this.#awareness = new AwarenessThrottle(
      options.maxAwarenessPerSecond,
      (update) => this.#deliverAwareness(update),
      realClock,
    )
    this.#socket = socket
    this.#options = options
    this.#deps = deps
    socket.binaryType = 'nodebuffer'
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
    socket.on('pong', () => {
      this.#alive = true
    })
    socket.on('error', (error) => {
      // ws emits this for protocol violations (oversized frame: 1009, bad opcode) and then
      // closes the socket itself; record it, the close handler does the rest.
      deps.logger.debug({ err: error, conn: id, room: docName }, 'socket error')
    })
    this.#socketClosed = new Promise((resolve) => {
      socket.on('close', (code) => {
        this.#onSocketClosed(code)
        resolve()
      })
    })
    this.#loadTimer = setTimeout(() => {
      this.close(CloseCode.tryAgainLater, 'document did not load in time')
    }, options.loadTimeoutMs)
    if (grant.expiresAt !== null) {
      // Close when the token expires, so the client reconnects with a fresh one.
      this.#expiryTimer = setTimeout(
        () => this.close(CloseCode.unauthorized, 'token expired'),
        Math.max(0, grant.expiresAt - Date.now()),
      )
      this.#expiryTimer.unref()
    }
    this.#hold = deps.registry.acquire(docName)
    this.#hold.ready.then(
      (room) => this.#join(room),
      (error: unknown) => {
        if (error instanceof RoomLimitError) {
          deps.metrics.connectionsRefused.inc({ reason: 'max_rooms' })
          this.close(CloseCode.tryAgainLater, 'too many documents open; try again later')
        } else if (error instanceof RoomUnavailableError) {
          this.close(error.closeCode, error.message)
        } else {
          this.close(CloseCode.internalError, 'document could not be loaded')
        }
      },
    )
  }

  /** What this connection may do (it can only be narrowed, see `downgrade`). */
  get grant(): Grant {
    return this.#grant
  }

  /** Bytes received and sent so far. */
  get traffic(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.#bytesIn, bytesOut: this.#bytesOut }
  }

  /** Make this connection read-only from now on (live revoke of write access). */
  downgrade(): void {
    this.#grant = { ...this.#grant, access: 'read' }
  }

  /** Whether this connection is closed (or closing). */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Heartbeat tick: terminate if the last ping went unanswered, else ping again. Returns
   * false when the connection was terminated.
   */
  heartbeat(): boolean {
    if (this.#closed) return false
    if (!this.#alive) {
      this.#deps.logger.info({ conn: this.id, room: this.docName }, 'no pong; terminating')
      this.#terminate(1006)
      return false
    }
    this.#alive = false
    this.#socket.ping()
    return true
  }

  send(frame: Uint8Array, type: SentFrameKind): void {
    if (this.#closed) return
    if (this.#socket.bufferedAmount > this.#options.maxBufferedBytes) {
      // Its buffer is full, so a close frame would not get through: drop the TCP connection.
      this.#deps.logger.warn(
        { conn: this.id, room: this.docName, bufferedBytes: this.#socket.bufferedAmount },
        'client is not reading; closing',
      )
      this.#terminate(CloseCode.slowConsumer)
      return
    }
    this.#deps.metrics.countSent(type, frame.byteLength)
    this.#bytesOut += frame.byteLength
    this.#socket.send(frame, { binary: true })
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#cleanUp(code, reason)
    this.#socket.close(code, reasonText(reason))
  }

  /**
   * Close with `code` (1001 at shutdown) but keep taking the frames the client sent before it
   * saw the close frame, so nothing it sent is dropped. Resolves when the socket is closed;
   * `terminate()` it if the client never answers.
   */
  goAway(code: number, reason: string): Promise<void> {
    if (this.#closed) return this.#socketClosed
    this.#goingAway ??= (() => {
      this.#socket.close(code, reasonText(reason))
      return this.#socketClosed
    })()
    return this.#goingAway
  }

  /** Drop the connection at once, without a close handshake. */
  terminate(): void {
    this.#terminate(1006)
  }

  #terminate(code: number): void {
    if (this.#closed) return
    this.#cleanUp(code, 'terminated')
    this.#socket.terminate()
  }

  #join(room: Room): void {
    if (this.#loadTimer !== null) clearTimeout(this.#loadTimer)
    this.#loadTimer = null
    if (this.#closed) return
    this.#room = room
    room.join(this)
    this.#deps.onJoined?.(this)
    const queued = this.#queue ?? []
    this.#queue = null
    for (const frame of queued) {
      if (this.#closed) return
      this.#process(room, frame)
    }
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    this.#alive = true
    if (this.#closed) return
    this.#bytesIn += data.byteLength
    const now = performance.now()
    if (!this.#messages.take(1, now) || !this.#bytes.take(data.byteLength, now)) {
      this.#deps.metrics.countReceived('refused', data.byteLength)
      this.#deps.metrics.rateLimited.inc()
      this.#refuse(new ProtocolError('RATE_LIMITED', 'rate limit exceeded'))
      return
    }
    if (!isBinary) {
      this.#deps.metrics.countReceived('refused', data.byteLength)
      this.#refuse(new ProtocolError('TEXT_FRAME', 'frames must be binary'))
      return
    }
    const room = this.#room
    if (room !== null) {
      this.#process(room, data)
      return
    }
    const queue = this.#queue ?? []
    this.#queuedBytes += data.byteLength
    if (
      queue.length >= this.#options.maxQueuedFrames ||
      this.#queuedBytes > this.#options.maxQueuedBytes
    ) {
      this.#deps.metrics.countReceived('refused', data.byteLength)
      this.#deps.metrics.framesRejected.inc({ reason: 'QUEUE_FULL' })
      this.close(CloseCode.rateLimited, 'too many frames before the document loaded')
      return
    }
    queue.push(data)
  }

  #process(room: Room, frame: Buffer): void {
    let kind: FrameKind = 'invalid'
    this.#guarded(room, () => {
      const message = decodeClientMessage(frame)
      kind = message.type
      if (message.type === 'awareness') this.#awareness.offer(message.update)
      else room.handle(this, message)
    })
    this.#deps.metrics.countReceived(kind, frame.byteLength)
  }

  /** Relay presence the throttle held back (from a timer, so errors are handled here too). */
  #deliverAwareness(update: Uint8Array): void {
    const room = this.#room
    if (room === null || this.#closed) return
    this.#guarded(room, () => room.handle(this, { type: 'awareness', update }))
  }

  /**
   * Run a handler of this socket's input. Every failure ends here: a refused frame closes this
   * socket only, a failed room makes its peers reconnect, anything else is logged and closes
   * this socket with 1011. Nothing a client sends can throw past this point.
   */
  #guarded(room: Room, handler: () => void): void {
    try {
      handler()
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.#refuse(error)
      } else if (error instanceof RoomFailedError) {
        this.#deps.registry.discard(room)
        room.closePeers(CloseCode.tryAgainLater, 'document is reloading; reconnect')
      } else {
        this.#deps.logger.error(
          { err: error, conn: this.id, room: this.docName },
          'frame handler failed',
        )
        this.close(CloseCode.internalError, 'internal error')
      }
    }
  }

  #refuse(error: ProtocolError): void {
    this.#deps.metrics.framesRejected.inc({ reason: error.code })
    this.#deps.logger.info(
      { conn: this.id, room: this.docName, code: error.code, closeCode: error.closeCode },
      `refused frame: ${error.message}`,
    )
    this.close(error.closeCode, error.message)
  }

  #onSocketClosed(code: number): void {
    this.#cleanUp(code, 'closed by client')
  }

  /** Leave the room at once (not when the close handshake ends) and release the hold. */
  #cleanUp(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#loadTimer !== null) clearTimeout(this.#loadTimer)
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer)
    this.#loadTimer = null
    this.#expiryTimer = null
    // Frames still waiting for the room were never read: count them, so every frame is.
    for (const frame of this.#queue ?? []) {
      this.#deps.metrics.countReceived('refused', frame.byteLength)
    }
    this.#queue = null
    this.#awareness.dispose()
    if (this.#room !== null) {
      this.#room.leave(this)
      this.#deps.onLeft?.(this, code)
    }
    this.#hold.release()
    this.#deps.metrics.closes.inc({ code: closeCodeLabel(code) })
    this.#deps.logger.info(
      {
        conn: this.id,
        room: this.docName,
        user: this.#grant.user,
        access: this.#grant.access,
        code,
        reason,
        bytesIn: this.#bytesIn,
        bytesOut: this.#bytesOut,
        durationMs: Math.round(performance.now() - this.#openedAt),
      },
      'connection closed',
    )
    this.#deps.onClosed(this)
  }
}
