/**
 * Metrics of webhook delivery, on the server's registry. The `receiver` label is the
 * receiver's origin and path (never its query or credentials), one value per configured URL.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Result of one delivery attempt (`result` label). */
export type AttemptResult = 'success' | 'http_error' | 'network_error' | 'timeout'

/** The webhook metrics a server updates. */
export interface WebhookMetrics {
  /** Events created, by type (once per event, whatever the number of receivers). */
  readonly events: Counter<'type'>
  /** Events waiting in a receiver's queue. */
  readonly queued: Gauge<'receiver'>
  /** Creation time of the oldest event a receiver has not acknowledged; absent when none. */
  readonly oldestQueued: Gauge<'receiver'>
  readonly attempts: Counter<'receiver' | 'result'>
  readonly attemptSeconds: Histogram<'receiver'>
  /** Events lost: pushed out of a full queue (`queue_full`), or not stored (`store_failed`). */
  readonly dropped: Counter<'receiver' | 'reason'>
}

/** Create the webhook metrics on `registry`. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry]
  return {
    events: new Counter({
      name: 'weft_webhook_events_total',
      help: 'Webhook events created, by event type.',
      labelNames: ['type'] as const,
      registers,
    }),
    queued: new Gauge({
      name: 'weft_webhook_queue_events',
      help: 'Webhook events waiting to be delivered, per receiver.',
      labelNames: ['receiver'] as const,
      registers,
    }),
    oldestQueued: new Gauge({
      name: 'weft_webhook_oldest_event_timestamp_seconds',
      help: 'Creation time (unix seconds) of the oldest undelivered event, per receiver; absent when its queue is empty.',
      labelNames: ['receiver'] as const,
      registers,
    }),
    attempts: new Counter({
      name: 'weft_webhook_attempts_total',
      help: 'Webhook delivery attempts, per receiver and result (success, http_error, network_error, timeout).',
      labelNames: ['receiver', 'result'] as const,
      registers,
    }),
    attemptSeconds: new Histogram({
      name: 'weft_webhook_attempt_duration_seconds',
      help: 'Time of one delivery attempt until the receiver answered or the attempt failed.',
      labelNames: ['receiver'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    dropped: new Counter({
      name: 'weft_webhook_events_dropped_total',
      help: 'Webhook events lost, per receiver and reason (queue_full: the oldest was dropped for a new one; store_failed: could not be queued).',
      labelNames: ['receiver', 'reason'] as const,
      registers,
    }),
  }
}
