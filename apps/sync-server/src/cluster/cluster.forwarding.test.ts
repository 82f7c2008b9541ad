/**
 * What a forwarded socket keeps: tokens and origins checked once on the entry node, read-only
 * access, rate limits, identity and expiry enforced once on the owner, revocation from any
 * node; and HTTP routes about a document served by its owner.
 */
import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createToken } from '../auth/create-token.js'
import { readBody } from '../http/read-body.js'
import { sendJson } from '../http/send-json.js'
import { CloseCode } from '../protocol/close-codes.js'
import { encodeSyncUpdate } from '../protocol/codec.js'
import {
  ADMIN_KEY,
  linked,
  membersOf,
  nodeConfig,
  planNodes,
  startCluster,
} from '../test-support/cluster-harness.js'
import {
  Cleanup,
  connectClient,
  converged,
  startServer,
  synced,
  until,
  upgradeStatus,
} from '../test-support/harness.js'
import { ownerOf } from './owner-of.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const IDS = ['n1', 'n2', 'n3']
const AUTH_SECRET = 'auth-secret-that-is-long-enough-for-hs256'

function docOwnedBy(owner: string, prefix = 'doc'): string {
  for (let i = 0; ; i++) if (ownerOf(`${prefix}-${i}`, IDS) === owner) return `${prefix}-${i}`
}

const token = (overrides: Partial<Parameters<typeof createToken>[0]> = {}) =>
  createToken({
    key: AUTH_SECRET,
    user: 'u1',
    doc: '*',
    access: 'write',
    ttlSeconds: 600,
    ...overrides,
  })

/** The value of a metric line in a node's /metrics (0 when absent). */
async function metric(httpUrl: string, line: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? 0 : Number(found.slice(line.length + 1))
}

/** Resolves with the close code of `ws`. */
const closeCode = (ws: WebSocket): Promise<number> =>
  new Promise((resolve) => ws.on('close', (code) => resolve(code)))

describe('a forwarded socket', () => {
  it('is authenticated once, on the entry node: bad tokens and origins never reach the owner', async () => {
    const { servers } = await startCluster(cleanup, IDS, {
      authSecret: AUTH_SECRET,
      allowedOrigins: ['https://app.example.com'],
    })
    const [n1, n2] = servers
    if (n1 === undefined || n2 === undefined) throw new Error('no servers')
    const doc = docOwnedBy('n2')
    const otherDoc = await token({ doc: 'something-else' })
    expect((await upgradeStatus(n1.httpUrl, `/${doc}`)).status).toBe(401)
    expect((await upgradeStatus(n1.httpUrl, `/${doc}?token=${otherDoc}`)).status).toBe(403)
    const evil = new WebSocket(`${n1.wsUrl}/${doc}?token=${await token()}`, {
      origin: 'https://evil.example',
    })
    cleanup.add(() => evil.terminate())
    expect(await closeCode(evil)).toBe(CloseCode.forbidden)
    expect(await metric(n1.httpUrl, 'weft_forwarded_sockets_total')).toBe(0)
    expect(n2.server.connectionCount).toBe(0)

    // A good token from an allowed page origin is forwarded and served.
    const good = new WebSocket(`${n1.wsUrl}/${doc}?token=${await token()}`, {
      origin: 'https://app.example.com',
    })
    cleanup.add(() => good.terminate())
    await new Promise((resolve) => good.once('message', resolve))
    expect(n1.server.forwardedCount).toBe(1)
    expect(n2.server.connectionCount).toBe(1)
  })

  it('keeps read-only access, enforced by the owner', async () => {
    const { servers } = await startCluster(cleanup, IDS, { authSecret: AUTH_SECRET })
    const [n1, n2] = servers
    if (n1 === undefined || n2 === undefined) throw new Error('no servers')
    const doc = docOwnedBy('n2')
    const writer = connectClient(cleanup, n2.wsUrl, doc, { params: { token: await token() } })
    await synced(writer)
    writer.doc.getText('t').insert(0, 'original')
    const readToken = await token({ access: 'read', user: 'reader' })
    const rogue = new WebSocket(`${n1.wsUrl}/${doc}?token=${readToken}`)
    cleanup.add(() => rogue.terminate())
    const denied = new Promise<string>((resolve) => {
      rogue.on('message', (data: Buffer) => {
        const decoder = decoding.createDecoder(data)
        if (decoding.readVarUint(decoder) === 2 && decoding.readVarUint(decoder) === 0) {
          resolve(decoding.readVarString(decoder))
        }
      })
    })
    await new Promise((resolve) => rogue.once('open', resolve))
    const vandal = new Y.Doc()
    vandal.getText('t').insert(0, 'vandalised ')
    rogue.send(encodeSyncUpdate(Y.encodeStateAsUpdate(vandal)))
    vandal.destroy()
    expect(await denied).toMatch(/read-only/)
    expect(await metric(n2.httpUrl, 'weft_updates_denied_total')).toBe(1)
    const fresh = connectClient(cleanup, n1.wsUrl, doc, { params: { token: await token() } })
    await synced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('original')
  })

  it('shows the identity from the token, rewritten once by the owner', async () => {
    const { servers } = await startCluster(cleanup, IDS, { authSecret: AUTH_SECRET })
    const [n1, n2, n3] = servers
    if (n1 === undefined || n2 === undefined || n3 === undefined) throw new Error('no servers')
    const doc = docOwnedBy('n3')
    const mallory = connectClient(cleanup, n1.wsUrl, doc, {
      params: { token: await token({ user: 'u-mallory', name: 'Mallory' }) },
    })
    const watcher = connectClient(cleanup, n2.wsUrl, doc, {
      params: { token: await token({ user: 'u-w' }) },
    })
    await Promise.all([synced(mallory), synced(watcher)])
    mallory.provider.awareness.setLocalState({ user: { id: 'u-admin', name: 'Admin' } })
    const seen = () => watcher.provider.awareness.getStates().get(mallory.doc.clientID)?.user
    await until(() => seen() !== undefined, { alsoOn: [[watcher.provider.awareness, 'change']] })
    expect(seen()).toEqual({ id: 'u-mallory', name: 'Mallory' })
  })

  it('is rate limited by the owner only, and the close code reaches the client', async () => {
    const { servers } = await startCluster(cleanup, IDS, {
      maxMessagesPerSecond: 5,
      messageBurst: 10,
    })
    const [n1, n2] = servers
    if (n1 === undefined || n2 === undefined) throw new Error('no servers')
    const doc = docOwnedBy('n2')
    const flooder = new WebSocket(`${n1.wsUrl}/${doc}`)
    cleanup.add(() => flooder.terminate())
    await new Promise((resolve) => flooder.once('open', resolve))
    const closed = closeCode(flooder)
    const empty = encodeSyncUpdate(Uint8Array.from([0, 0]))
    for (let i = 0; i < 30; i++) flooder.send(empty)
    expect(await closed).toBe(CloseCode.rateLimited)
    expect(await metric(n2.httpUrl, 'weft_rate_limited_total')).toBe(1)
    expect(await metric(n1.httpUrl, 'weft_rate_limited_total')).toBe(0)
  })

  it('is closed with 4401 when its token expires (the owner’s timer)', async () => {
    const { servers } = await startCluster(cleanup, IDS, { authSecret: AUTH_SECRET })
    const doc = docOwnedBy('n2')
    const ws = new WebSocket(`${servers[0]?.wsUrl}/${doc}?token=${await token({ ttlSeconds: 1 })}`)
    cleanup.add(() => ws.terminate())
    const closed = closeCode(ws)
    await new Promise((resolve) => ws.once('message', resolve))
    expect(await closed).toBe(CloseCode.unauthorized)
  })

  it('is revoked by an admin call to any node', async () => {
    const { servers } = await startCluster(cleanup, IDS, { authSecret: AUTH_SECRET })
    const [n1, , n3] = servers
    if (n1 === undefined || n3 === undefined) throw new Error('no servers')
    const doc = docOwnedBy('n2')
    const ws = new WebSocket(`${n1.wsUrl}/${doc}?token=${await token({ user: 'u-gone' })}`)
    cleanup.add(() => ws.terminate())
    await new Promise((resolve) => ws.once('message', resolve))
    const closed = closeCode(ws)
    const answer = await fetch(`${n3.httpUrl}/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'u-gone' }),
    })
    expect(await answer.json()).toEqual({ affected: 1, user: 'u-gone', mode: 'close' })
    expect(await closed).toBe(CloseCode.forbidden)
    // And the old token no longer opens a socket through any node.
    expect(
      (
        await upgradeStatus(
          n1.httpUrl,
          `/${doc}?token=${await token({ user: 'u-gone', now: Date.now() - 5000 })}`,
        )
      ).status,
    ).toBe(403)
  })
})

describe('a revocation made while a node was down', () => {
  it('reaches that node when it links again, and closes the sockets it covers there', async () => {
    const planned = await planNodes(cleanup, ['n1', 'n2'])
    const members = membersOf(planned)
    const [p1, p2] = planned
    if (p1 === undefined || p2 === undefined) throw new Error('no nodes')
    const config = (node: typeof p1) => nodeConfig(node, members, { authSecret: AUTH_SECRET })
    const n1 = await startServer(cleanup, config(p1))
    const n2 = await startServer(cleanup, config(p2))
    await linked([n1, n2])
    const oldToken = await token({ user: 'mallory', now: Date.now() - 60_000 })

    await n2.server.close()
    const answer = await fetch(`${n1.httpUrl}/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'mallory' }),
    })
    expect(await answer.json()).toMatchObject({ affected: 0, unreachableNodes: ['n2'] })
    await n1.server.close()

    // n2 comes back alone: it never heard of the revocation, and lets mallory in.
    const n2b = await startServer(cleanup, config(p2))
    await n2b.server.cluster.membership.ready
    const doc = ['a', 'b', 'c', 'd', 'e'].find((d) => ownerOf(`away-${d}`, ['n1', 'n2']) === 'n2')
    const ws = new WebSocket(`${n2b.wsUrl}/away-${doc}?token=${oldToken}`)
    cleanup.add(() => ws.terminate())
    await new Promise((resolve) => ws.once('message', resolve))
    const closed = closeCode(ws)

    // n1 comes back (it stored the revocation) and tells n2 as soon as they link.
    const n1b = await startServer(cleanup, config(p1))
    await linked([n1b, n2b])
    expect(await closed).toBe(CloseCode.forbidden)
    expect((await upgradeStatus(n2b.httpUrl, `/away-${doc}?token=${oldToken}`)).status).toBe(403)
  })
})

describe('an HTTP route about a document', () => {
  it('is served by the owner, forwarded by other nodes with body and status', async () => {
    const { servers } = await startCluster(cleanup, IDS, {}, (node) => ({
      documentRoutes: [
        {
          docOf: (_req, pathname) =>
            pathname.startsWith('/probe/') ? decodeURIComponent(pathname.slice(7)) : null,
          handle: async (req, res, pathname) => {
            if (!pathname.startsWith('/probe/')) return false
            const body = (await readBody(req, 1024 * 1024)).toString()
            res.setHeader('x-served-by', node.id)
            sendJson(res, req.method === 'POST' ? 201 : 200, { node: node.id, body })
            return true
          },
        },
      ],
    }))
    const doc = docOwnedBy('n3', 'http')
    const payload = 'x'.repeat(200_000)
    for (const s of servers) {
      const answer = await fetch(`${s.httpUrl}/probe/${encodeURIComponent(doc)}`, {
        method: 'POST',
        body: payload,
      })
      expect(answer.status).toBe(201)
      expect(answer.headers.get('x-served-by')).toBe('n3')
      expect(await answer.json()).toEqual({ node: 'n3', body: payload })
    }
    expect(
      await metric(servers[0]?.httpUrl as string, 'weft_forwarded_requests_total{result="ok"}'),
    ).toBe(1)
    // A forged forwarding header is refused.
    const forged = await fetch(`${servers[2]?.httpUrl}/probe/${doc}`, {
      headers: { 'x-weft-node-auth': 'forged' },
    })
    expect(forged.status).toBe(401)
    // Owner down: a JSON 503 the client can retry.
    await servers[2]?.server.close()
    const down = await fetch(`${servers[0]?.httpUrl}/probe/${doc}`)
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('1')
    expect(await down.json()).toEqual({
      error: 'document owner unavailable',
      code: 'OWNER_UNAVAILABLE',
    })
  })
})

describe('convergence through forwarding', () => {
  it('holds with typing on every node at once', async () => {
    const { servers } = await startCluster(cleanup, IDS)
    const doc = docOwnedBy('n1', 'busy')
    const clients = servers.flatMap((s) => [
      connectClient(cleanup, s.wsUrl, doc),
      connectClient(cleanup, s.wsUrl, doc),
    ])
    await Promise.all(clients.map(synced))
    for (let round = 0; round < 20; round++) {
      for (const [i, c] of clients.entries()) c.doc.getText('t').insert(0, `${i}:${round} `)
    }
    await converged(clients.map((c) => c.doc))
    expect(clients[0]?.doc.getText('t').length).toBe(clients[5]?.doc.getText('t').length)
  })
})
