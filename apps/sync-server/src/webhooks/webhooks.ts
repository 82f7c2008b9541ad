/**
 * Webhooks of one server: turns what happens to rooms into events, debounces document
 * changes, and hands every event to each receiver's durable queue and deliverer. The server
 * calls the typed methods below from its seams (room loaded/unloaded, batch durable,
 * connection joined/left).
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { ServerConfig } from '../config/options.js'
import type { PeerInfo } from '../transport/client-sockets.js'
import { ChangeDebouncer, type CoalescedChange } from './change-debouncer.js'
import { Deliverer } from './deliverer.js'
import type { EventQueues, NewQueuedEvent } from './event-queue.js'
import { receiverKey, receiverLabels } from './receivers.js'
import { stampEvent, type WebhookEventData, type WebhookEventType } from './webhook-event.js'
import type { WebhookMetrics } from './webhook-metrics.js'

/** Webhook settings, from the server config (`--webhook-*`). */
export interface WebhookSettings {
  readonly urls: readonly string[]
  readonly secret: string
  readonly events: readonly WebhookEventType[]
  readonly debounceMs: number
  readonly maxWaitMs: number
  /** Events held per receiver. */
  readonly queueMax: number
  readonly timeoutMs: number
  readonly retryMinMs: number
  readonly retryMaxMs: number
}

/**
 * The webhook settings of `config`, or null when no receiver is configured.
 *
 * @throws {Error} when receivers are configured without a secret (`validateConfig` refuses
 * that on the command line; this guards configs built in code).
 */
export function webhookSettings(config: ServerConfig): WebhookSettings | null {
  if (config.webhookUrls.length === 0) return null
  if (config.webhookSecret === null) throw new Error('webhook URLs need a webhook secret')
  return {
    urls: config.webhookUrls,
    secret: config.webhookSecret,
    events: config.webhookEvents,
    debounceMs: config.webhookDebounceMs,
    maxWaitMs: config.webhookMaxWaitMs,
    queueMax: config.webhookQueueMax,
    timeoutMs: config.webhookTimeoutMs,
    retryMinMs: config.webhookRetryMinMs,
    retryMaxMs: config.webhookRetryMaxMs,
  }
}

/** Services of the webhooks. */
export interface WebhookDeps {
  readonly queues: EventQueues
  readonly logger: Logger
  readonly metrics: WebhookMetrics
  /** Event ids; defaults to random UUIDs. */
  readonly newId?: () => string
}

/** The running webhooks. */
export interface Webhooks {
  roomOpened(document: string): void
  roomClosed(document: string): void
  /** A batch of `document`'s updates became durable, written by `users`. */
  documentChanged(document: string, users: readonly string[]): void
  userJoined(peer: PeerInfo): void
  userLeft(peer: PeerInfo, code: number): void
  /**
   * Emit every debounced change now, wait until every event is in its queues, and stop
   * delivering (an attempt in flight is repeated after the next start).
   */
  close(): Promise<void>
}

/** Users listed per `document.changed` event. */
const MAX_USERS_PER_EVENT = 100
/** Documents with changes waiting for their debounce at once. */
const MAX_PENDING_DOCUMENTS = 10_000

/**
 * Open each receiver's queue and start delivering (what was queued before a restart first).
 *
 * @example
 * const webhooks = await startWebhooks(settings, { queues, logger, metrics })
 * webhooks.roomOpened('notes')
 */
export async function startWebhooks(
  settings: WebhookSettings,
  deps: WebhookDeps,
): Promise<Webhooks> {
  const { logger, metrics } = deps
  const newId = deps.newId ?? randomUUID
  const enabled = new Set(settings.events)
  const labels = receiverLabels(settings.urls)
  const deliverers = await Promise.all(
    settings.urls.map(async (url, i) => {
      const queue = await deps.queues.open(receiverKey(url), settings.queueMax)
      const label = labels[i] as string
      if (queue.size > 0)
        logger.info({ receiver: label, queued: queue.size }, 'webhook events waiting from before')
      return new Deliverer(
        {
          url,
          label,
          secret: settings.secret,
          timeoutMs: settings.timeoutMs,
          retry: { minMs: settings.retryMinMs, maxMs: settings.retryMaxMs },
        },
        { queue, logger, metrics },
      )
    }),
  )
  for (const deliverer of deliverers) deliverer.start()

  let buffered: NewQueuedEvent[] = []
  let flushScheduled = false
  let closed = false
  const enqueuing = new Set<Promise<void>>()

  /** Hand the events of this turn to every receiver at once (one queue write each). */
  const flush = (): void => {
    flushScheduled = false
    if (buffered.length === 0) return
    const events = buffered
    buffered = []
    for (const deliverer of deliverers) {
      const done = deliverer.enqueue(events)
      enqueuing.add(done)
      void done.finally(() => enqueuing.delete(done))
    }
  }

  const emit = (data: WebhookEventData): void => {
    if (closed) {
      logger.warn(
        { type: data.type, document: data.document },
        'webhook event after close; not sent',
      )
      return
    }
    const now = Date.now()
    const event = stampEvent(data, newId(), now)
    buffered.push({ id: event.id, type: event.type, body: JSON.stringify(event), createdAt: now })
    metrics.events.inc({ type: event.type })
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }

  const debouncer = new ChangeDebouncer(
    {
      debounceMs: settings.debounceMs,
      maxWaitMs: settings.maxWaitMs,
      maxUsers: MAX_USERS_PER_EVENT,
      maxPending: MAX_PENDING_DOCUMENTS,
    },
    (change: CoalescedChange) =>
      emit({
        type: 'document.changed',
        document: change.document,
        firstChangeTime: new Date(change.firstAt).toISOString(),
        batches: change.batches,
        users: change.users,
        usersTruncated: change.usersTruncated,
      }),
    {
      now: Date.now,
      setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    },
  )

  return {
    roomOpened(document) {
      if (enabled.has('room.opened')) emit({ type: 'room.opened', document })
    },
    roomClosed(document) {
      // Its last changes are reported before it closes.
      debouncer.flush(document)
      if (enabled.has('room.closed')) emit({ type: 'room.closed', document })
    },
    documentChanged(document, users) {
      if (enabled.has('document.changed') && !closed) debouncer.changed(document, users)
    },
    userJoined(peer) {
      if (enabled.has('user.joined')) emit({ type: 'user.joined', ...peer })
    },
    userLeft(peer, code) {
      if (enabled.has('user.left')) emit({ type: 'user.left', ...peer, code })
    },
    async close() {
      if (closed) return
      debouncer.flushAll()
      closed = true
      flush()
      await Promise.all(enqueuing)
      await Promise.all(deliverers.map((d) => d.stop()))
    },
  }
}
