/**
 * A light protocol client for the load generator: one WebSocket to one document, no Y.Doc
 * unless a scenario wants one. It answers the sync handshake, hands received updates and
 * presence to the scenario with their arrival time, and never throws from a socket callback:
 * the first error is kept and fails the scenario.
 */
import { WebSocket } from 'ws'
import { createChannel, type DocChannel, type ProtocolName } from '../protocol/adapter.js'

/** What a scenario does with what a client receives; `now` is the arrival time (ms). */
export interface ClientHandlers {
  /** A document update (also the server's sync step 2, with `step2` true). */
  onUpdate?(client: BenchClient, update: Uint8Array, now: number, step2: boolean): void
  /** An awareness update. */
  onAwareness?(client: BenchClient, update: Uint8Array, now: number): void
}

/** Where and how to connect. */
export interface ClientOptions {
  /** `ws://…` URL of the document. */
  readonly url: string
  readonly docName: string
  readonly protocol: ProtocolName
  /** Source address of the TCP connection (127.0.0.x spreads ephemeral ports). */
  readonly localAddress?: string
}

/** One client; see the module comment. */
export class BenchClient {
  readonly channel: DocChannel
  readonly docName: string
  /** Scenario data (room and client index, trackers). */
  tag: unknown = null
  readonly #ws: WebSocket
  readonly #handlers: ClientHandlers
  #error: Error | null = null
  #synced = false
  #closing = false
  readonly #waiters: { resolve: () => void; reject: (error: Error) => void }[] = []
  readonly #closed: Promise<void>

  constructor(options: ClientOptions, handlers: ClientHandlers) {
    this.docName = options.docName
    this.channel = createChannel(options.protocol, options.docName)
    this.#handlers = handlers
    this.#ws = new WebSocket(options.url, {
      perMessageDeflate: false,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    })
    this.#ws.binaryType = 'nodebuffer'
    this.#ws.on('open', () => {
      for (const frame of this.channel.openFrames) this.#ws.send(frame)
      if (this.channel.syncedOnOpen) this.#markSynced()
    })
    this.#ws.on('message', (data: Buffer) => this.#onMessage(data))
    this.#ws.on('error', (error) => this.#fail(error))
    this.#closed = new Promise((resolve) => {
      this.#ws.on('close', (code, reason) => {
        if (!this.#closing) {
          this.#fail(new Error(`${this.docName}: server closed the socket (${code} ${reason})`))
        }
        resolve()
      })
    })
  }

  /** The first error of this client, if any. */
  get error(): Error | null {
    return this.#error
  }

  get synced(): boolean {
    return this.#synced
  }

  /** Resolves once synced; rejects on the client's first error. */
  whenSynced(): Promise<void> {
    if (this.#error !== null) return Promise.reject(this.#error)
    if (this.#synced) return Promise.resolve()
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** Bytes queued in the socket and not yet written. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount
  }

  /** Send one frame as it is (already framed for the channel). */
  send(frame: Uint8Array): void {
    if (this.#ws.readyState !== WebSocket.OPEN) {
      this.#fail(new Error(`${this.docName}: send on a socket that is not open`))
      return
    }
    this.#ws.send(frame)
  }

  /** Close the socket; resolves when it is closed. */
  close(): Promise<void> {
    this.#closing = true
    if (this.#ws.readyState === WebSocket.CLOSED) return this.#closed
    if (this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate()
    else this.#ws.close(1000)
    return this.#closed
  }

  /** Drop the TCP connection at once. */
  terminate(): Promise<void> {
    this.#closing = true
    this.#ws.terminate()
    return this.#closed
  }

  #onMessage(data: Buffer): void {
    const now = performance.now()
    try {
      const message = this.channel.decode(data)
      switch (message.kind) {
        case 'sync-step1':
          if (this.channel.answersStep1) this.#ws.send(this.channel.step2Reply)
          return
        case 'sync-step2':
          this.#handlers.onUpdate?.(this, message.update, now, true)
          this.#markSynced()
          return
        case 'sync-update':
          this.#handlers.onUpdate?.(this, message.update, now, false)
          return
        case 'awareness':
          this.#handlers.onAwareness?.(this, message.update, now)
          return
        case 'permission-denied':
          throw new Error(`permission denied: ${message.reason}`)
        case 'authenticated':
        case 'ignored':
          return
        default: {
          const unreachable: never = message
          throw new Error(`unhandled message ${JSON.stringify(unreachable)}`)
        }
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)))
    }
  }

  #markSynced(): void {
    if (this.#synced) return
    this.#synced = true
    for (const waiter of this.#waiters.splice(0)) waiter.resolve()
  }

  #fail(error: Error): void {
    if (this.#error !== null) return
    this.#error = new Error(`${this.docName}: ${error.message}`, { cause: error })
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#error)
  }
}
