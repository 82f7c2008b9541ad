/** Integration: live revoke through the admin endpoint, TLS, and the room limit. */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createToken } from './auth/create-token.js'
import { CloseCode } from './protocol/close-codes.js'
import {
  Cleanup,
  connectClient,
  converged,
  startServer,
  synced,
  tempDir,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const SECRET = 'admin-test-secret-long-enough-for-hs256'
const ADMIN = 'admin-key-0123456789abcdef'

const revoke = (httpUrl: string, body: unknown, key: string | null = ADMIN) =>
  fetch(`${httpUrl}/admin/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify(body),
  })

describe('live revoke', () => {
  it('requires the admin key and validates its body', async () => {
    const { httpUrl } = await startServer(cleanup, { adminKey: ADMIN })
    expect((await revoke(httpUrl, { user: 'x' }, null)).status).toBe(401)
    expect((await revoke(httpUrl, { user: 'x' }, 'wrong-key-0123456789')).status).toBe(401)
    expect((await revoke(httpUrl, {})).status).toBe(400)
    expect((await revoke(httpUrl, { user: 'x', mode: 'explode' })).status).toBe(400)
    const wrongType = await fetch(`${httpUrl}/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/plain' },
      body: 'user=x',
    })
    expect(wrongType.status).toBe(415)
    const ok = await revoke(httpUrl, { user: 'nobody' })
    expect([ok.status, await ok.json()]).toEqual([
      200,
      { affected: 0, user: 'nobody', mode: 'close' },
    ])
  })

  it('closes every socket of a user at once, and refuses the tokens it already has', async () => {
    const { wsUrl, httpUrl } = await startServer(cleanup, { authSecret: SECRET, adminKey: ADMIN })
    const token = (user: string) =>
      createToken({ key: SECRET, user, doc: '*', access: 'write', ttlSeconds: 600 })
    const malloryToken = await token('mallory')
    const alice = connectClient(cleanup, wsUrl, 'doc', { params: { token: await token('alice') } })
    const mallory1 = connectClient(cleanup, wsUrl, 'doc', { params: { token: malloryToken } })
    const mallory2 = connectClient(cleanup, wsUrl, 'other', { params: { token: malloryToken } })
    await Promise.all([synced(alice), synced(mallory1), synced(mallory2)])
    const closed = (client: typeof alice) =>
      new Promise<{ code: number }>((resolve) => client.provider.once('closed', resolve))
    const closes = Promise.all([closed(mallory1), closed(mallory2)])
    const res = await revoke(httpUrl, { user: 'mallory' })
    expect(await res.json()).toMatchObject({ affected: 2 })
    expect((await closes).map((c) => c.code)).toEqual([CloseCode.forbidden, CloseCode.forbidden])
    // Reconnecting with the same token is refused; a token issued later works.
    const again = new WebSocket(`${wsUrl}/doc?token=${malloryToken}`)
    cleanup.add(() => again.terminate())
    again.on('error', () => undefined)
    expect(
      await new Promise((r) => again.on('unexpected-response', (_q, s) => r(s.statusCode))),
    ).toBe(403)
    expect(alice.provider.wsconnected).toBe(true)
  })

  it('keeps refusing a revoked token after a restart', async () => {
    const options = { authSecret: SECRET, adminKey: ADMIN, dataDir: await tempDir(cleanup) }
    const token = (user: string) =>
      createToken({ key: SECRET, user, doc: '*', access: 'write', ttlSeconds: 600 })
    const [malloryToken, aliceToken] = await Promise.all([token('mallory'), token('alice')])
    const first = await startServer(cleanup, options)
    expect((await revoke(first.httpUrl, { user: 'mallory' })).status).toBe(200)
    await first.server.close()

    const second = await startServer(cleanup, options)
    const refused = new WebSocket(`${second.wsUrl}/doc?token=${malloryToken}`)
    cleanup.add(() => refused.terminate())
    refused.on('error', () => undefined)
    const answer = await new Promise((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode))
      refused.on('open', () => resolve('accepted'))
    })
    expect(answer).toBe(403)
    // Only what was revoked: another user's token of the same age still works.
    await synced(connectClient(cleanup, second.wsUrl, 'doc', { params: { token: aliceToken } }))
  })

  it('downgrades the sockets of a document to read-only', async () => {
    const { wsUrl, httpUrl } = await startServer(cleanup, { adminKey: ADMIN })
    const a = connectClient(cleanup, wsUrl, 'frozen')
    const b = connectClient(cleanup, wsUrl, 'frozen')
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'before ')
    await converged([a.doc, b.doc])
    expect(
      await (await revoke(httpUrl, { doc: 'frozen', mode: 'read-only' })).json(),
    ).toMatchObject({
      affected: 2,
    })
    const denied = new Promise<void>((resolve) => {
      const ws = a.provider.ws as unknown as WebSocket
      // y-websocket reads ArrayBuffers; 2 is the auth message (permission denied).
      ws.on('message', (data: ArrayBuffer) => {
        if (new Uint8Array(data)[0] === 2) resolve()
      })
    })
    a.doc.getText('t').insert(0, 'after ')
    await denied
    const fresh = connectClient(cleanup, wsUrl, 'frozen')
    await synced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('before ')
  })
})

describe('TLS', () => {
  it('serves https and wss with the configured certificate', async () => {
    const dir = await tempDir(cleanup)
    const cert = join(dir, 'cert.pem')
    const key = join(dir, 'key.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    const { server } = await startServer(cleanup, { tlsCert: cert, tlsKey: key })
    const port = server.address?.port
    const ws = new WebSocket(`wss://127.0.0.1:${port}/secure`, {
      ca: await import('node:fs').then((fs) => fs.readFileSync(cert)),
    })
    cleanup.add(() => ws.terminate())
    await new Promise((resolve, reject) => {
      ws.once('message', resolve)
      ws.once('error', reject)
    })
    // A plain-text client cannot talk to it.
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => 'answered',
      () => 'failed',
    )
    expect(plain).toBe('failed')
  })
})

describe('room limit', () => {
  it('tells a client opening one document too many to try again later', async () => {
    const { wsUrl } = await startServer(cleanup, { maxRooms: 2 })
    const one = connectClient(cleanup, wsUrl, 'one')
    const two = connectClient(cleanup, wsUrl, 'two')
    await Promise.all([synced(one), synced(two)])
    const three = new WebSocket(`${wsUrl}/three`)
    cleanup.add(() => three.terminate())
    expect(await new Promise((resolve) => three.on('close', resolve))).toBe(CloseCode.tryAgainLater)
    // An open document still takes new clients.
    const oneAgain = connectClient(cleanup, wsUrl, 'one', { doc: new Y.Doc() })
    await synced(oneAgain)
  })
})
