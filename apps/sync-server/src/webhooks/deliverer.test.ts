/**
 * Integration: the deliverer against a real local HTTP receiver that fails (500), refuses
 * connections, hangs, and recovers. Back-off is shortened; waits are on the receiver's
 * requests and the metrics, never on time.
 */
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../logger.js'
import { openLevelDbStore } from '../storage/leveldb-store.js'
import { eventually } from '../test-support/eventually.js'
import { Cleanup, tempDir } from '../test-support/harness.js'
import { WebhookReceiver } from '../test-support/webhook-receiver.js'
import { Deliverer } from './deliverer.js'
import type { EventQueue, NewQueuedEvent } from './event-queue.js'
import { createLevelDbQueues } from './leveldb-queue.js'
import { createMemoryQueues } from './memory-queue.js'
import { createWebhookMetrics, type WebhookMetrics } from './webhook-metrics.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const SECRET = 'deliverer-test-secret-0123'

const event = (n: number): NewQueuedEvent => ({
  id: `evt-${n}`,
  type: 'room.opened',
  body: JSON.stringify({ id: `evt-${n}`, type: 'room.opened', n }),
  createdAt: Date.now(),
})

async function setup(
  receiver: WebhookReceiver,
  options: { queue?: EventQueue; queueMax?: number; timeoutMs?: number } = {},
) {
  const metrics = createWebhookMetrics(new Registry())
  const queue = options.queue ?? (await createMemoryQueues().open('r', options.queueMax ?? 1000))
  const deliverer = new Deliverer(
    {
      url: receiver.url,
      label: 'test-receiver',
      secret: SECRET,
      timeoutMs: options.timeoutMs ?? 5000,
      retry: { minMs: 20, maxMs: 200 },
    },
    { queue, logger: silentLogger(), metrics },
  )
  cleanup.add(() => deliverer.stop())
  return { deliverer, queue, metrics }
}

const count = async (metrics: WebhookMetrics, result: string): Promise<number> =>
  (await metrics.attempts.get()).values.find((v) => v.labels.result === result)?.value ?? 0

describe('Deliverer', () => {
  it('delivers in order, signed, with stable ids through 500s, refused connections and recovery', async () => {
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    const { deliverer, queue, metrics } = await setup(receiver)
    receiver.mode = 'fail'
    await deliverer.enqueue([event(1), event(2)])
    deliverer.start()
    await receiver.waitFor(() => receiver.requests.length >= 3, 'three failed attempts')
    // Down: connections are refused.
    await receiver.down()
    await eventually(async () => (await count(metrics, 'network_error')) >= 2, 'refused twice')
    await deliverer.enqueue([event(3)])
    expect(queue.size).toBe(3)
    receiver.mode = 'ok'
    await receiver.up()
    await receiver.waitFor(() => receiver.delivered.length === 3, 'all three delivered')

    expect(receiver.delivered.map((r) => r.event.n)).toEqual([1, 2, 3])
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true)
    // Every failed attempt was of the first event, with the same id and body.
    for (const failed of receiver.requests.filter((r) => r.answered === 500)) {
      expect(failed.headers['weft-event-id']).toBe('evt-1')
      expect(failed.body).toBe(event(1).body)
    }
    const first = receiver.delivered[0]
    expect(first?.headers).toMatchObject({
      'content-type': 'application/json',
      'weft-event-id': 'evt-1',
      'weft-event-type': 'room.opened',
    })
    expect(Number(first?.headers['weft-delivery-attempt'])).toBeGreaterThanOrEqual(4)
    expect(receiver.delivered[1]?.headers['weft-delivery-attempt']).toBe('1')
    await eventually(() => queue.size === 0, 'queue drained')
    expect(await count(metrics, 'success')).toBe(3)
    expect(await count(metrics, 'http_error')).toBeGreaterThanOrEqual(3)
    expect((await metrics.queued.get()).values[0]?.value).toBe(0)
    expect((await metrics.oldestQueued.get()).values).toEqual([])
  })

  it('gives up on an attempt after the timeout and repeats it', async () => {
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    const { deliverer, metrics } = await setup(receiver, { timeoutMs: 200 })
    receiver.mode = 'hang'
    await deliverer.enqueue([event(1)])
    deliverer.start()
    await receiver.waitFor(() => receiver.requests.length === 1, 'first attempt')
    receiver.mode = 'ok'
    await receiver.waitFor(() => receiver.delivered.length === 1, 'delivered after the timeout')
    expect(await count(metrics, 'timeout')).toBe(1)
    expect(receiver.delivered[0]?.headers['weft-event-id']).toBe('evt-1')
  })

  it('drops the oldest beyond the queue bound, counts it, and delivers the rest', async () => {
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    await receiver.down()
    const { deliverer, metrics } = await setup(receiver, { queueMax: 3 })
    deliverer.start()
    for (let n = 1; n <= 5; n++) await deliverer.enqueue([event(n)])
    const dropped = (await metrics.dropped.get()).values
    expect(dropped).toEqual([
      expect.objectContaining({
        labels: { receiver: 'test-receiver', reason: 'queue_full' },
        value: 2,
      }),
    ])
    await receiver.up()
    await receiver.waitFor(() => receiver.delivered.length >= 3, 'the three kept delivered')
    // At least once: the event in flight when the bound was hit may come twice.
    const delivered = [...new Set(receiver.delivered.map((r) => r.event.n as number))]
    expect(delivered.slice(-3)).toEqual([3, 4, 5])
  })

  it('resumes from a LevelDB queue after a stop, sending the unacknowledged event again', async () => {
    const dir = await tempDir(cleanup)
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    const store = await openLevelDbStore({ dir, fsync: false })
    const queues = createLevelDbQueues(store.sublevel('webhooks'), { fsync: false })
    const first = await setup(receiver, { queue: await queues.open('r', 100) })
    receiver.mode = 'hang'
    await first.deliverer.enqueue([event(1), event(2)])
    first.deliverer.start()
    await receiver.waitFor(() => receiver.requests.length === 1, 'attempt in flight')
    await first.deliverer.stop()
    await store.close()

    receiver.mode = 'ok'
    const reopened = await openLevelDbStore({ dir, fsync: false })
    cleanup.add(() => reopened.close())
    const again = createLevelDbQueues(reopened.sublevel('webhooks'), { fsync: false })
    const second = await setup(receiver, { queue: await again.open('r', 100) })
    second.deliverer.start()
    await receiver.waitFor(() => receiver.delivered.length === 2, 'both delivered')
    expect(receiver.requests.map((r) => r.headers['weft-event-id'])).toEqual([
      'evt-1',
      'evt-1',
      'evt-2',
    ])
    await second.deliverer.stop()
  })
})
