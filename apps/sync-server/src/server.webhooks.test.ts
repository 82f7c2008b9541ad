/**
 * Integration: webhooks from a real server with real y-websocket clients to a real local
 * receiver — the events and their payloads, debouncing, the event filter, and a receiver
 * that is down across a server restart (the queue is on disk) getting every event.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createToken } from './auth/create-token.js'
import { eventually } from './test-support/eventually.js'
import {
  Cleanup,
  connectClient,
  converged,
  startServer,
  synced,
  tempDir,
} from './test-support/harness.js'
import { sampleValue, scrape } from './test-support/prometheus-text.js'
import { type ReceivedRequest, WebhookReceiver } from './test-support/webhook-receiver.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const SECRET = 'server-webhook-secret-0123456789'
const AUTH = 'server-webhook-auth-secret-long-enough'

const webhookConfig = (receiver: WebhookReceiver) => ({
  webhookUrls: [receiver.url],
  webhookSecret: SECRET,
  webhookDebounceMs: 100,
  webhookMaxWaitMs: 1000,
  webhookRetryMinMs: 20,
  webhookRetryMaxMs: 200,
})

const ofType = (requests: ReceivedRequest[], type: string) =>
  requests.filter((r) => r.event.type === type)

describe('webhooks from the server', () => {
  it('posts room, user and debounced document events with their payloads', async () => {
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    const { wsUrl, server } = await startServer(cleanup, {
      ...webhookConfig(receiver),
      authSecret: AUTH,
      idleTimeoutMs: 50,
    })
    const token = await createToken({
      key: AUTH,
      user: 'ada',
      doc: 'notes',
      access: 'write',
      ttlSeconds: 600,
    })
    const a = connectClient(cleanup, wsUrl, 'notes', { params: { token } })
    const b = connectClient(cleanup, wsUrl, 'notes', { params: { token } })
    await Promise.all([synced(a), synced(b)])
    const text = a.doc.getText('t')
    for (let i = 0; i < 30; i++) text.insert(text.length, 'x')
    await converged([a.doc, b.doc])
    await receiver.waitFor(
      () => ofType(receiver.delivered, 'document.changed').length >= 1,
      'document.changed',
    )
    a.destroy()
    b.destroy()
    await receiver.waitFor(
      () => ofType(receiver.delivered, 'room.closed').length === 1,
      'room.closed after idle',
    )

    const delivered = receiver.delivered
    expect(delivered.every((r) => r.signatureValid)).toBe(true)
    const types = delivered.map((r) => r.event.type)
    expect(types[0]).toBe('room.opened')
    expect(types.at(-1)).toBe('room.closed')
    expect(types.filter((t) => t === 'user.joined')).toHaveLength(2)
    expect(types.filter((t) => t === 'user.left')).toHaveLength(2)
    // 30 edits, debounced: far fewer events, and together they cover every durable batch.
    const changed = ofType(delivered, 'document.changed').map((r) => r.event)
    expect(changed.length).toBeLessThan(10)
    expect(changed[0]).toMatchObject({ document: 'notes', users: ['ada'], usersTruncated: false })
    expect(typeof changed[0]?.firstChangeTime).toBe('string')
    const batches = changed.reduce((n, e) => n + (e.batches as number), 0)
    expect(batches).toBeGreaterThanOrEqual(changed.length)
    // Batches that only record client-id owners change nothing and are not reported.
    expect(batches).toBeLessThanOrEqual(
      sampleValue(
        await scrape(`http://127.0.0.1:${server.address?.port}`),
        'weft_persist_batches_total',
      ),
    )
    // A room's last changes are reported before it closes.
    expect(types.lastIndexOf('document.changed')).toBeLessThan(types.indexOf('room.closed'))
    const joined = ofType(delivered, 'user.joined')[0]?.event
    expect(joined).toMatchObject({ document: 'notes', user: 'ada', access: 'write' })
    expect(joined?.connection).toMatch(/^c\d+$/)
    const left = ofType(delivered, 'user.left').map((r) => r.event)
    expect(left.map((e) => e.connection).sort()).toEqual(
      ofType(delivered, 'user.joined')
        .map((r) => r.event.connection)
        .sort(),
    )
    expect(typeof left[0]?.code).toBe('number')
    // Every event has its own id, in the header and the body, and a time.
    const ids = delivered.map((r) => r.headers['weft-event-id'])
    expect(new Set(ids).size).toBe(delivered.length)
    for (const r of delivered) {
      expect(r.event.id).toBe(r.headers['weft-event-id'])
      expect(r.headers['weft-event-type']).toBe(r.event.type)
      expect(Number.isNaN(Date.parse(r.event.time as string))).toBe(false)
    }
  })

  it('reports anonymous users as null when authentication is off, and honours --webhook-events', async () => {
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    const { wsUrl, server } = await startServer(cleanup, {
      ...webhookConfig(receiver),
      webhookEvents: ['user.joined', 'document.changed'],
    })
    const client = connectClient(cleanup, wsUrl, 'open-doc')
    await synced(client)
    client.doc.getText('t').insert(0, 'hi')
    await receiver.waitFor(() => receiver.delivered.length >= 2, 'two events')
    await server.close()
    const types = new Set(receiver.delivered.map((r) => r.event.type))
    expect(types).toEqual(new Set(['user.joined', 'document.changed']))
    expect(ofType(receiver.delivered, 'user.joined')[0]?.event).toMatchObject({
      document: 'open-doc',
      user: null,
      access: 'write',
    })
    expect(ofType(receiver.delivered, 'document.changed')[0]?.event).toMatchObject({ users: [] })
  })

  it('keeps every event for a receiver that is down across a restart, ids stable', async () => {
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    receiver.mode = 'fail'
    const dataDir = await tempDir(cleanup)
    const config = { ...webhookConfig(receiver), dataDir }
    const first = await startServer(cleanup, config)
    const client = connectClient(cleanup, first.wsUrl, 'kept')
    await synced(client)
    client.doc.getText('t').insert(0, 'before the restart')
    await receiver.waitFor(() => receiver.requests.length >= 2, 'failed attempts (500)')
    // Now it refuses connections; the server stops with everything still queued.
    await receiver.down()
    client.destroy()
    await first.server.close()

    const second = await startServer(cleanup, config)
    await eventually(
      async () =>
        sampleValue(await scrape(second.httpUrl), 'weft_webhook_attempts_total', {
          result: 'network_error',
        }) > 0,
      'the restarted server tries and is refused',
    )
    const queued = sampleValue(await scrape(second.httpUrl), 'weft_webhook_queue_events')
    // room.opened, user.joined, document.changed, user.left, room.closed
    expect(queued).toBe(5)
    receiver.mode = 'ok'
    await receiver.up()
    await receiver.waitFor(
      () => new Set(receiver.delivered.map((r) => r.event.type)).size === 5,
      'every event',
    )
    await eventually(
      async () => sampleValue(await scrape(second.httpUrl), 'weft_webhook_queue_events') === 0,
      'queue drained',
    )
    const delivered = receiver.delivered
    const types = delivered.map((r) => r.event.type)
    // In order; document.changed may come before or after user.left (it is debounced).
    expect(types[0]).toBe('room.opened')
    expect(types.at(-1)).toBe('room.closed')
    expect([...types].sort()).toEqual([
      'document.changed',
      'room.closed',
      'room.opened',
      'user.joined',
      'user.left',
    ])
    expect(delivered.every((r) => r.signatureValid)).toBe(true)
    // The id refused before the restart is the one delivered after it.
    const failedIds = new Set(
      receiver.requests.filter((r) => r.answered === 500).map((r) => r.headers['weft-event-id']),
    )
    expect(failedIds.size).toBeGreaterThan(0)
    for (const id of failedIds) {
      expect(delivered.some((r) => r.headers['weft-event-id'] === id)).toBe(true)
    }
    expect(sampleValue(await scrape(second.httpUrl), 'weft_webhook_events_dropped_total')).toBe(0)
  })

  it('is verified by the snippet in docs/WEBHOOKS.md', async () => {
    const doc = await readFile(new URL('../../../docs/WEBHOOKS.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## Verifying the signature'))
    const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1]
    expect(snippet).toContain('export function verifyWeftSignature')
    const file = join(await tempDir(cleanup), 'verify.mjs')
    await writeFile(file, snippet ?? '')
    const { verifyWeftSignature } = (await import(pathToFileURL(file).href)) as {
      verifyWeftSignature: (secret: string, header: unknown, body: string) => boolean
    }
    const receiver = await WebhookReceiver.start(cleanup, SECRET)
    const { wsUrl } = await startServer(cleanup, webhookConfig(receiver))
    const client = connectClient(cleanup, wsUrl, 'verified ünïcode')
    await synced(client)
    await receiver.waitFor(() => receiver.delivered.length >= 2, 'two events')
    for (const { headers, body } of receiver.delivered) {
      expect(verifyWeftSignature(SECRET, headers['weft-signature'], body)).toBe(true)
      expect(verifyWeftSignature('another-secret-entirely', headers['weft-signature'], body)).toBe(
        false,
      )
      expect(verifyWeftSignature(SECRET, headers['weft-signature'], `${body} `)).toBe(false)
    }
  })
})
