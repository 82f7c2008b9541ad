/**
 * Integration: who may call the REST document API — open without any credential configured,
 * the admin key, document tokens (bearer or `?token=`) with read or write access, admin-only
 * routes, revocations, and client ids bound to users.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createToken } from './auth/create-token.js'
import { contentUpdate, docJson, textOf } from './test-support/content.js'
import { Cleanup, connectClient, startServer, synced, until } from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const SECRET = 'api-auth-test-secret-long-enough-for-hs256'
const ADMIN = 'admin-key-0123456789abcdef'

const token = (user: string, doc: string | string[], access: 'read' | 'write') =>
  createToken({ key: SECRET, user, doc, access, ttlSeconds: 600 })

type Call = [method: string, path: string, body?: unknown]

/** Status and error code of a request made with `credential` (bearer) or none. */
async function call(
  httpUrl: string,
  [method, path, body]: Call,
  credential: string | null,
): Promise<[number, string | undefined]> {
  const headers: Record<string, string> = {}
  if (credential !== null) headers.authorization = `Bearer ${credential}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${httpUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  const code = text.startsWith('{"error"') ? (JSON.parse(text) as { code: string }).code : undefined
  return [res.status, code]
}

const READS: Call[] = [
  ['GET', '/api/docs/notes'],
  ['GET', '/api/docs/notes/versions'],
]
const WRITES: Call[] = [
  ['PUT', '/api/docs/notes', docJson('changed')],
  ['POST', '/api/docs/notes/versions', { label: 'v' }],
]
const ADMIN_ONLY: Call[] = [
  ['GET', '/api/docs'],
  ['DELETE', '/api/docs/notes/versions/1'],
  ['DELETE', '/api/docs/notes'],
]

describe('API access', () => {
  it('is open when neither an admin key nor tokens are configured', async () => {
    const { httpUrl } = await startServer(cleanup)
    for (const request of [...WRITES, ...READS, ...ADMIN_ONLY]) {
      const [status] = await call(httpUrl, request, null)
      expect({ request, ok: status < 300 }).toEqual({ request, ok: true })
    }
  })

  it('needs the admin key when only an admin key is configured', async () => {
    const { httpUrl } = await startServer(cleanup, { adminKey: ADMIN })
    for (const request of [...READS, ...WRITES, ...ADMIN_ONLY]) {
      expect(await call(httpUrl, request, null)).toEqual([401, 'UNAUTHORIZED'])
      expect(await call(httpUrl, request, 'not-the-admin-key-0123')).toEqual([401, 'UNAUTHORIZED'])
    }
    for (const request of [...WRITES, ...READS, ...ADMIN_ONLY]) {
      const [status] = await call(httpUrl, request, ADMIN)
      expect({ request, ok: status < 300 }).toEqual({ request, ok: true })
    }
  })

  it('takes document tokens: read for GETs, write for changes, admin key for the rest', async () => {
    const { httpUrl } = await startServer(cleanup, { authSecret: SECRET, adminKey: ADMIN })
    expect((await call(httpUrl, WRITES[0] as Call, ADMIN))[0]).toBe(200)
    const reader = await token('rita', 'notes', 'read')
    const writer = await token('will', ['other', 'note*'], 'write')
    const stranger = await token('sam', 'elsewhere', 'write')

    for (const request of [...READS, ...WRITES, ...ADMIN_ONLY]) {
      expect(await call(httpUrl, request, null)).toEqual([401, 'UNAUTHORIZED'])
      expect(await call(httpUrl, request, 'garbage')).toEqual([401, 'UNAUTHORIZED'])
    }
    for (const request of READS) {
      expect((await call(httpUrl, request, reader))[0]).toBe(200)
      expect((await call(httpUrl, request, writer))[0]).toBe(200)
      expect(await call(httpUrl, request, stranger)).toEqual([403, 'FORBIDDEN'])
    }
    for (const request of WRITES) {
      expect(await call(httpUrl, request, reader)).toEqual([403, 'READ_ONLY'])
      expect((await call(httpUrl, request, writer))[0]).toBeLessThan(300)
    }
    for (const request of ADMIN_ONLY) {
      expect(await call(httpUrl, request, writer)).toEqual([403, 'ADMIN_ONLY'])
    }
    // ?token= works like the WebSocket's.
    const viaQuery = await fetch(`${httpUrl}/api/docs/notes?format=text&token=${reader}`)
    expect([viaQuery.status, await viaQuery.text()]).toEqual([200, 'changed'])
    expect((await call(httpUrl, ['GET', '/api/docs'], ADMIN))[0]).toBe(200)
  })

  it('refuses browser requests from other origins, as the WebSocket does', async () => {
    const { httpUrl } = await startServer(cleanup)
    const host = new URL(httpUrl).host
    expect((await call(httpUrl, WRITES[0] as Call, null))[0]).toBe(200)
    const from = (origin: string) =>
      fetch(`${httpUrl}/api/docs/notes/versions`, { method: 'POST', headers: { origin } })
    const foreign = await from('https://evil.example')
    expect([foreign.status, ((await foreign.json()) as { code: string }).code]).toEqual([
      403,
      'FORBIDDEN',
    ])
    expect((await from(`http://${host}`)).status).toBe(201)
    const listed = await startServer(cleanup, { allowedOrigins: ['https://*.example.org'] })
    expect((await call(listed.httpUrl, WRITES[0] as Call, null))[0]).toBe(200)
    const allowed = await fetch(`${listed.httpUrl}/api/docs/notes?format=text`, {
      headers: { origin: 'https://app.example.org' },
    })
    expect(allowed.status).toBe(200)
  })

  it('refuses tokens revoked by an admin', async () => {
    const { httpUrl } = await startServer(cleanup, { authSecret: SECRET, adminKey: ADMIN })
    const writer = await token('mallory', '*', 'write')
    expect((await call(httpUrl, WRITES[0] as Call, writer))[0]).toBe(200)
    const revoke = await fetch(`${httpUrl}/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'mallory', mode: 'read-only' }),
    })
    expect(revoke.status).toBe(200)
    expect(await call(httpUrl, WRITES[0] as Call, writer)).toEqual([403, 'READ_ONLY'])
    expect((await call(httpUrl, READS[0] as Call, writer))[0]).toBe(200)
  })

  it('binds client ids to users: an update under someone else’s client id is refused', async () => {
    const { httpUrl, wsUrl } = await startServer(cleanup, { authSecret: SECRET })
    const alice = connectClient(cleanup, wsUrl, 'shared', {
      params: { token: await token('alice', 'shared', 'write') },
    })
    await synced(alice)
    alice.doc.getText('t').insert(0, 'by alice')
    const observer = connectClient(cleanup, wsUrl, 'shared', {
      params: { token: await token('observer', 'shared', 'read') },
    })
    await until(() => observer.doc.getText('t').toString() === 'by alice', {
      docs: [observer.doc],
    })
    // Bob forges more content under Alice's client id.
    const forged = new Y.Doc()
    Y.applyUpdate(forged, Y.encodeStateAsUpdate(alice.doc))
    forged.clientID = alice.doc.clientID
    forged.getText('t').insert(0, 'forged ')
    const update = Y.encodeStateAsUpdate(forged, Y.encodeStateVector(alice.doc))
    forged.destroy()
    const res = await fetch(`${httpUrl}/api/docs/shared/update`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token('bob', 'shared', 'write')}`,
        'content-type': 'application/octet-stream',
      },
      body: update,
    })
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([
      403,
      'FOREIGN_CLIENT_ID',
    ])
    // His own content is fine, and attributed to him.
    const own = await fetch(`${httpUrl}/api/docs/shared/update`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token('bob', 'shared', 'write')}`,
        'content-type': 'application/octet-stream',
      },
      body: contentUpdate(docJson('bob was here')),
    })
    expect(own.status).toBe(200)
    await until(() => textOf(observer.doc) === 'bob was here', { docs: [observer.doc] })
  })
})
