/**
 * Delivery to one receiver URL: takes the oldest event of its queue, POSTs it signed, and
 * removes it only once the receiver answered 2xx. One request in flight, so events arrive in
 * queue order; every failure is retried after an exponential back-off with jitter, forever
 * (the queue's bound is what limits how much waits). At least once: an event whose answer
 * was lost (timeout, crash, shutdown mid-request) is sent again with the same id.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { type BackoffOptions, retryDelayMs } from './backoff.js'
import type { EventQueue, NewQueuedEvent, QueuedEvent } from './event-queue.js'
import { signWebhook, WebhookHeader } from './signature.js'
import type { AttemptResult, WebhookMetrics } from './webhook-metrics.js'

/** Settings of one receiver. */
export interface DelivererOptions {
  readonly url: string
  /** The receiver's name in metrics and logs (origin and path, see `receiverLabels`). */
  readonly label: string
  /** HMAC key of `Weft-Signature`. */
  readonly secret: string
  /** Longest time one attempt may take, answer included. */
  readonly timeoutMs: number
  readonly retry: BackoffOptions
}

/** Services of a deliverer. */
export interface DelivererDeps {
  readonly queue: EventQueue
  readonly logger: Logger
  readonly metrics: WebhookMetrics
  /** In [0, 1), for the jitter; defaults to `Math.random`. */
  readonly random?: () => number
}

interface Outcome {
  readonly result: AttemptResult
  readonly status?: number
  readonly error?: unknown
}

/** See the module comment. Call `start()` once and `stop()` at shutdown. */
export class Deliverer {
  readonly #options: DelivererOptions
  readonly #deps: DelivererDeps
  readonly #url: URL
  readonly #agent: HttpAgent
  readonly #request: typeof httpRequest
  #running: Promise<void> | null = null
  #stopped = false
  /** Set by `enqueue` so a wake-up between "queue empty" and waiting is not missed. */
  #woken = false
  #wake: (() => void) | null = null
  readonly #stopping = new AbortController()
  #abortAttempt: (() => void) | null = null

  constructor(options: DelivererOptions, deps: DelivererDeps) {
    this.#options = options
    this.#deps = deps
    this.#url = new URL(options.url)
    const https = this.#url.protocol === 'https:'
    // One connection, kept alive between events; destroyed at stop.
    this.#agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 1 })
      : new HttpAgent({ keepAlive: true, maxSockets: 1 })
    this.#request = https ? (httpsRequest as typeof httpRequest) : httpRequest
    this.#refreshQueued()
  }

  /** Start delivering (including what the queue held from before a restart). */
  start(): void {
    this.#running ??= this.#run()
  }

  /** Queue `events` for this receiver; resolves once they are durable in the queue. */
  async enqueue(events: readonly NewQueuedEvent[]): Promise<void> {
    const { queue, metrics, logger } = this.#deps
    const receiver = this.#options.label
    try {
      const { dropped } = await queue.push(events)
      if (dropped > 0) {
        metrics.dropped.inc({ receiver, reason: 'queue_full' }, dropped)
        logger.warn(
          { receiver, dropped, queued: queue.size },
          'webhook queue full; dropped the oldest events',
        )
      }
    } catch (error) {
      metrics.dropped.inc({ receiver, reason: 'store_failed' }, events.length)
      logger.error(
        { err: error, receiver, events: events.length },
        'could not queue webhook events; they are lost',
      )
    }
    this.#refreshQueued()
    this.#woken = true
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  /** Stop: abort the attempt in flight (it is retried after the next start) and wait. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#stopping.abort()
    this.#wake?.()
    this.#abortAttempt?.()
    await this.#running
    this.#agent.destroy()
  }

  async #run(): Promise<void> {
    const { queue, logger } = this.#deps
    const receiver = this.#options.label
    let failures = 0
    while (!this.#stopped) {
      this.#woken = false
      let event: QueuedEvent | null
      try {
        event = await queue.peek()
      } catch (error) {
        failures++
        logger.error({ err: error, receiver }, 'could not read the webhook queue; retrying')
        await this.#pause(this.#delay(failures))
        continue
      }
      this.#setOldest(event)
      if (event === null) {
        if (!this.#woken) await this.#idle()
        continue
      }
      const attempt = failures + 1
      const outcome = await this.#attempt(event, attempt)
      if (this.#stopped && outcome.result !== 'success') break
      if (outcome.result === 'success') {
        if (failures > 0) {
          logger.info({ receiver, failures }, 'webhook receiver answers again')
        }
        failures = 0
        try {
          await queue.ackThrough(event.seq)
        } catch (error) {
          // It was delivered; it will be delivered again (same id) once the queue works.
          logger.error(
            { err: error, receiver, eventId: event.id },
            'could not remove a delivered webhook event',
          )
        }
        this.#refreshQueued()
        continue
      }
      failures++
      const retryInMs = this.#delay(failures)
      logger.warn(
        {
          receiver,
          eventId: event.id,
          eventType: event.type,
          attempt,
          result: outcome.result,
          status: outcome.status,
          err: outcome.error,
          retryInMs,
        },
        'webhook delivery failed; retrying',
      )
      await this.#pause(retryInMs)
    }
  }

  #delay(failures: number): number {
    return retryDelayMs(failures, this.#options.retry, this.#deps.random ?? Math.random)
  }

  /** POST one event; never throws. */
  async #attempt(event: QueuedEvent, attempt: number): Promise<Outcome> {
    const { metrics } = this.#deps
    const receiver = this.#options.label
    const started = performance.now()
    const outcome = await this.#post(event, attempt)
    metrics.attempts.inc({ receiver, result: outcome.result })
    metrics.attemptSeconds.observe({ receiver }, (performance.now() - started) / 1000)
    return outcome
  }

  #post(event: QueuedEvent, attempt: number): Promise<Outcome> {
    const body = Buffer.from(event.body, 'utf8')
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.byteLength),
      'user-agent': 'weft-server',
      [WebhookHeader.eventId]: event.id,
      [WebhookHeader.eventType]: event.type,
      [WebhookHeader.attempt]: String(attempt),
      [WebhookHeader.signature]: signWebhook(
        this.#options.secret,
        event.body,
        Math.floor(Date.now() / 1000),
      ),
    }
    return new Promise<Outcome>((resolve) => {
      let settled = false
      const finish = (outcome: Outcome): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.#abortAttempt = null
        resolve(outcome)
      }
      const req = this.#request(this.#url, { method: 'POST', headers, agent: this.#agent })
      const timer = setTimeout(() => {
        finish({
          result: 'timeout',
          error: new Error(`no answer within ${this.#options.timeoutMs} ms`),
        })
        req.destroy()
      }, this.#options.timeoutMs)
      this.#abortAttempt = () => {
        finish({ result: 'network_error', error: new Error('stopped') })
        req.destroy()
      }
      req.on('error', (error) => finish({ result: 'network_error', error }))
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0
        // Read the answer to its end (and discard it) so the connection can be reused.
        res.resume()
        res.on('error', (error) => finish({ result: 'network_error', status, error }))
        res.on('end', () =>
          finish(
            status >= 200 && status < 300
              ? { result: 'success', status }
              : { result: 'http_error', status },
          ),
        )
      })
      req.end(body)
    })
  }

  /** Wait for `enqueue` or `stop`. */
  #idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      if (this.#stopped) resolve()
    })
  }

  /** Wait `ms`, or less if stopped. New events do not cut a back-off short. */
  #pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stopping.signal }).catch(() => undefined)
  }

  #refreshQueued(): void {
    this.#deps.metrics.queued.set({ receiver: this.#options.label }, this.#deps.queue.size)
  }

  #setOldest(event: QueuedEvent | null): void {
    const labels = { receiver: this.#options.label }
    if (event === null) this.#deps.metrics.oldestQueued.remove(labels)
    else this.#deps.metrics.oldestQueued.set(labels, event.createdAt / 1000)
  }
}
