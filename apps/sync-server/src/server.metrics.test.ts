/**
 * Integration: `/metrics` as Prometheus scrapes it, after real traffic of real clients —
 * every promised family with its type and labels, bounded label values, and never a
 * document name or a user in a metric.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createToken } from './auth/create-token.js'
import { encodeQueryAwareness } from './protocol/codec.js'
import { eventually } from './test-support/eventually.js'
import {
  Cleanup,
  connectClient,
  converged,
  openRawSocket,
  startServer,
  synced,
  upgradeStatus,
} from './test-support/harness.js'
import { type Scrape, sampleValue, scrape } from './test-support/prometheus-text.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const SECRET = 'metrics-test-secret-long-enough-for-hs256'
// Distinctive, so any appearance in the scrape is found.
const DOC = 'zz-private-doc-name-7f3a'
const USER = 'zz-user-subject-q9c1'

/** Every family the server promises, with its type and label names. */
const PROMISED: Record<string, { type: string; labels: string[] }> = {
  weft_connections_open: { type: 'gauge', labels: ['access'] },
  weft_rooms_loaded: { type: 'gauge', labels: [] },
  weft_frames_received_total: { type: 'counter', labels: ['type'] },
  weft_received_bytes_total: { type: 'counter', labels: ['type'] },
  weft_frames_sent_total: { type: 'counter', labels: ['type'] },
  weft_sent_bytes_total: { type: 'counter', labels: ['type'] },
  weft_frames_rejected_total: { type: 'counter', labels: ['reason'] },
  weft_updates_applied_total: { type: 'counter', labels: [] },
  weft_updates_denied_total: { type: 'counter', labels: [] },
  weft_auth_failures_total: { type: 'counter', labels: ['reason'] },
  weft_rate_limited_total: { type: 'counter', labels: [] },
  weft_connections_refused_total: { type: 'counter', labels: ['reason'] },
  weft_awareness_states_dropped_total: { type: 'counter', labels: ['reason'] },
  weft_persist_batches_total: { type: 'counter', labels: [] },
  weft_persist_batch_updates: { type: 'histogram', labels: [] },
  weft_persist_batch_bytes: { type: 'histogram', labels: [] },
  weft_persist_duration_seconds: { type: 'histogram', labels: [] },
  weft_persist_failures_total: { type: 'counter', labels: [] },
  weft_compactions_total: { type: 'counter', labels: [] },
  weft_compaction_failures_total: { type: 'counter', labels: [] },
  weft_room_loads_total: { type: 'counter', labels: [] },
  weft_room_load_duration_seconds: { type: 'histogram', labels: [] },
  weft_room_load_failures_total: { type: 'counter', labels: [] },
  weft_room_unloads_total: { type: 'counter', labels: [] },
  weft_closes_total: { type: 'counter', labels: ['code'] },
  weft_nodejs_eventloop_lag_seconds: { type: 'gauge', labels: [] },
  weft_nodejs_eventloop_lag_p99_seconds: { type: 'gauge', labels: [] },
  weft_process_resident_memory_bytes: { type: 'gauge', labels: [] },
}

const RECEIVED_TYPES = [
  'sync-step1',
  'sync-step2',
  'sync-update',
  'awareness',
  'query-awareness',
  'invalid',
  'refused',
]
const SENT_TYPES = ['sync-step1', 'sync-step2', 'sync-update', 'awareness', 'auth']

/** Label values that are allowed, per label name (the bounded sets). */
const ALLOWED: Record<string, (value: string) => boolean> = {
  access: (v) => v === 'read' || v === 'write',
  type: (v) => RECEIVED_TYPES.includes(v) || SENT_TYPES.includes(v),
  code: (v) => v === 'other' || /^\d{4}$/.test(v),
  reason: (v) => /^[A-Za-z_-]{1,40}$/.test(v),
  le: (v) => v === '+Inf' || Number.isFinite(Number(v)),
}

const token = (access: 'read' | 'write') =>
  createToken({ key: SECRET, user: USER, doc: DOC, access, ttlSeconds: 600 })

describe('/metrics', () => {
  it('exposes every promised family with bounded labels after real traffic', async () => {
    const { server, httpUrl, wsUrl } = await startServer(
      cleanup,
      {
        authSecret: SECRET,
        compactAfterUpdates: 5,
        maxAwarenessStateBytes: 256,
        messageBurst: 40,
        maxMessagesPerSecond: 1,
      },
      { processMetrics: true },
    )
    const writer = connectClient(cleanup, wsUrl, DOC, { params: { token: await token('write') } })
    const reader = connectClient(cleanup, wsUrl, DOC, { params: { token: await token('read') } })
    await Promise.all([synced(writer), synced(reader)])
    const text = writer.doc.getText('t')
    for (let i = 0; i < 12; i++) text.insert(text.length, `${i}`)
    await converged([writer.doc, reader.doc])
    // A presence state too large to relay, and a change from the read-only socket.
    writer.provider.awareness.setLocalState({ note: 'x'.repeat(1000) })
    reader.doc.getText('t').insert(0, 'not allowed')
    let during: Scrape = await scrape(httpUrl)
    await eventually(async () => {
      during = await scrape(httpUrl)
      return (
        sampleValue(during, 'weft_updates_denied_total') > 0 &&
        sampleValue(during, 'weft_awareness_states_dropped_total') > 0 &&
        sampleValue(during, 'weft_compactions_total') > 0
      )
    }, 'denied update, dropped presence and a compaction counted')
    expect(sampleValue(during, 'weft_connections_open', { access: 'read' })).toBe(1)
    expect(sampleValue(during, 'weft_connections_open', { access: 'write' })).toBe(1)
    expect(sampleValue(during, 'weft_rooms_loaded')).toBe(1)
    // An auth failure, a rate-limited socket, and a client closing with a code of its own.
    expect((await upgradeStatus(httpUrl, `/${DOC}?token=garbage`)).status).toBe(401)
    const flooder = await openRawSocket(cleanup, wsUrl, DOC, { token: await token('write') })
    for (let i = 0; i < 60; i++) flooder.ws.send(encodeQueryAwareness())
    expect((await flooder.closed).code).toBe(4429)
    const odd = await openRawSocket(cleanup, wsUrl, DOC, { token: await token('read') })
    odd.ws.close(4123, 'a code of its own')
    await odd.closed
    writer.destroy()
    reader.destroy()
    await eventually(() => server.connectionCount === 0, 'every socket closed')
    const after = await scrape(httpUrl)
    for (const [name, promise] of Object.entries(PROMISED)) {
      expect(after.families.get(name)?.type, name).toBe(promise.type)
      const labelNames = new Set(
        after.samples
          .filter((s) => s.name === name || s.name.startsWith(`${name}_`))
          .flatMap((s) => Object.keys(s.labels).filter((l) => l !== 'le')),
      )
      // A labelled family without observations has no samples yet.
      if (labelNames.size > 0 || promise.labels.length === 0) {
        expect([...labelNames].sort(), name).toEqual([...promise.labels].sort())
      }
    }
    const received = (type: string) => sampleValue(after, 'weft_frames_received_total', { type })
    const receivedBytes = (type: string) =>
      sampleValue(after, 'weft_received_bytes_total', { type })
    const sent = (type: string) => sampleValue(after, 'weft_frames_sent_total', { type })
    const sentBytes = (type: string) => sampleValue(after, 'weft_sent_bytes_total', { type })
    for (const type of ['sync-step1', 'sync-step2', 'sync-update', 'awareness', 'refused']) {
      expect(received(type), `received ${type}`).toBeGreaterThan(0)
      expect(receivedBytes(type), `received bytes ${type}`).toBeGreaterThanOrEqual(received(type))
    }
    expect(received('query-awareness')).toBeGreaterThanOrEqual(40)
    for (const type of SENT_TYPES) {
      expect(sent(type), `sent ${type}`).toBeGreaterThan(0)
      expect(sentBytes(type), `sent bytes ${type}`).toBeGreaterThan(sent(type))
    }
    expect(sampleValue(after, 'weft_updates_applied_total')).toBeGreaterThanOrEqual(12)
    expect(sampleValue(after, 'weft_auth_failures_total', { reason: 'unauthorized' })).toBe(1)
    expect(sampleValue(after, 'weft_rate_limited_total')).toBe(1)
    expect(sampleValue(after, 'weft_closes_total', { code: '4429' })).toBe(1)
    expect(sampleValue(after, 'weft_closes_total', { code: 'other' })).toBe(1)
    expect(sampleValue(after, 'weft_persist_duration_seconds_count')).toBeGreaterThan(0)
    expect(sampleValue(after, 'weft_persist_batch_bytes_count')).toBe(
      sampleValue(after, 'weft_persist_batches_total'),
    )
    expect(sampleValue(after, 'weft_connections_open', { access: 'write' })).toBe(0)

    // Bounded label values only; the document's name and the user never appear.
    for (const sample of after.samples) {
      // prom-client's runtime metrics have labels of their own (bounded by the runtime).
      if (/^weft_(nodejs|process)_/.test(sample.name)) continue
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(ALLOWED[label]?.(value), `${sample.name}{${label}="${value}"}`).toBe(true)
      }
    }
    const raw = await (await fetch(`${httpUrl}/metrics`)).text()
    expect(raw).not.toContain(DOC)
    expect(raw).not.toContain(USER)
  })

  it('moves a downgraded socket from write to read', async () => {
    const adminKey = 'admin-key-for-the-metrics-test'
    const { httpUrl, wsUrl } = await startServer(cleanup, { authSecret: SECRET, adminKey })
    const ws = new WebSocket(`${wsUrl}/${DOC}?token=${await token('write')}`)
    cleanup.add(() => ws.terminate())
    await new Promise((resolve) => ws.once('message', resolve))
    expect(sampleValue(await scrape(httpUrl), 'weft_connections_open', { access: 'write' })).toBe(1)
    const revoked = await fetch(`${httpUrl}/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: USER, mode: 'read-only' }),
    })
    expect(revoked.status).toBe(200)
    const now = await scrape(httpUrl)
    expect(sampleValue(now, 'weft_connections_open', { access: 'write' })).toBe(0)
    expect(sampleValue(now, 'weft_connections_open', { access: 'read' })).toBe(1)
  })
})
