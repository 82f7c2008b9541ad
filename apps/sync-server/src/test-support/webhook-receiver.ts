/**
 * A real local webhook receiver for tests: an `http.createServer` on port 0 that records
 * every request, checks its signature, and can be told to fail (500), hang, or go down
 * (connections refused) and come back on the same port.
 */
import { EventEmitter } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhookSignature } from '../webhooks/signature.js'
import { type Cleanup, until } from './harness.js'

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly event: Record<string, unknown>
  readonly signatureValid: boolean
  /** What the receiver answered: 200, 500, or 0 for no answer (hang). */
  readonly answered: number
}

/** How the receiver answers. */
export type ReceiverMode = 'ok' | 'fail' | 'hang'

/** See the module comment. */
export class WebhookReceiver {
  mode: ReceiverMode = 'ok'
  readonly requests: ReceivedRequest[] = []
  readonly #secret: string
  readonly #emitter = new EventEmitter()
  readonly #hanging: ServerResponse[] = []
  #server = createServer()
  #port = 0

  private constructor(secret: string) {
    this.#secret = secret
  }

  /** Start a receiver that verifies signatures with `secret`; stopped by `cleanup`. */
  static async start(cleanup: Cleanup, secret: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret)
    await receiver.up()
    cleanup.add(() => receiver.down())
    return receiver
  }

  /** `http://127.0.0.1:<port>/hooks/weft` */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks/weft`
  }

  /** Requests answered 2xx. */
  get delivered(): ReceivedRequest[] {
    return this.requests.filter((r) => r.answered === 200)
  }

  /** Resolves once `check()` holds, re-checked on every request. */
  waitFor(check: () => boolean, message: string, timeoutMs = 30_000): Promise<void> {
    return until(check, { alsoOn: [[this.#emitter, 'request']] }, message, timeoutMs)
  }

  /** Listen (again) on the same port. */
  async up(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const signature = req.headers['weft-signature']
        const signatureValid = verifyWebhookSignature(
          this.#secret,
          typeof signature === 'string' ? signature : undefined,
          body,
          Math.floor(Date.now() / 1000),
        )
        const mode = this.mode
        const answered = mode === 'ok' ? 200 : mode === 'fail' ? 500 : 0
        let event: Record<string, unknown> = {}
        try {
          event = JSON.parse(body) as Record<string, unknown>
        } catch {
          // Recorded as an empty event; the test's checks fail on it.
        }
        this.requests.push({ headers: req.headers, body, event, signatureValid, answered })
        if (mode === 'hang') this.#hanging.push(res)
        else res.writeHead(answered, { 'content-type': 'text/plain' }).end(mode)
        this.#emitter.emit('request')
      })
    })
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#port, '127.0.0.1', () => resolve())
    })
    this.#port = (this.#server.address() as AddressInfo).port
  }

  /** Stop listening and cut every connection: new requests are refused. */
  async down(): Promise<void> {
    for (const res of this.#hanging.splice(0)) res.destroy()
    if (!this.#server.listening) return
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeAllConnections()
    await closed
  }
}
