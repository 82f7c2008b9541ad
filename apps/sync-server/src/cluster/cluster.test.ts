/**
 * Three real nodes on loopback, each with its own LevelDB: clients on different nodes edit
 * one document through forwarding; what is stored where; node authentication; `/cluster`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createNodeAuth, NODE_AUTH_HEADER } from '../cluster/node-auth.js'
import { ownerOf } from '../cluster/owner-of.js'
import {
  ADMIN_KEY,
  CLUSTER_SECRET,
  startCluster,
  storedDocs,
} from '../test-support/cluster-harness.js'
import {
  Cleanup,
  connectClient,
  converged,
  openRawSocket,
  synced,
  upgradeStatus,
} from '../test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const IDS = ['n1', 'n2', 'n3']

/** A document name owned by `owner` among IDS. */
function docOwnedBy(owner: string, prefix = 'doc'): string {
  for (let i = 0; ; i++) {
    if (ownerOf(`${prefix}-${i}`, IDS) === owner) return `${prefix}-${i}`
  }
}

describe('a cluster of three nodes', () => {
  it('lets clients on different nodes edit one document; it is stored only on its owner', async () => {
    const { nodes, servers } = await startCluster(cleanup, IDS)
    const doc = docOwnedBy('n2')
    const clients = servers.map((s) => connectClient(cleanup, s.wsUrl, doc))
    await Promise.all(clients.map(synced))
    for (const [i, client] of clients.entries()) {
      client.doc.getText('t').insert(0, `from ${IDS[i]} `)
    }
    await converged(clients.map((c) => c.doc))
    const text = clients[0]?.doc.getText('t').toString() ?? ''
    for (const id of IDS) expect(text).toContain(`from ${id}`)
    // n2 serves all three; n1 and n3 only pipe.
    expect(servers.map((s) => s.server.connectionCount)).toEqual([0, 3, 0])
    expect(servers.map((s) => s.server.forwardedCount)).toEqual([1, 0, 1])
    expect(servers.map((s) => s.server.roomCount)).toEqual([0, 1, 0])

    for (const c of clients) c.destroy()
    await Promise.all(servers.map((s) => s.server.close()))
    expect(await storedDocs(nodes[0]?.dataDir as string)).toEqual([])
    expect(await storedDocs(nodes[1]?.dataDir as string)).toEqual([doc])
    expect(await storedDocs(nodes[2]?.dataDir as string)).toEqual([])
  })

  it('gives the same content to a client joining on any node', async () => {
    const { servers } = await startCluster(cleanup, IDS)
    const doc = docOwnedBy('n3')
    const writer = connectClient(cleanup, servers[0]?.wsUrl as string, doc)
    await synced(writer)
    writer.doc.getText('t').insert(0, 'hello cluster')
    for (const s of servers) {
      const reader = connectClient(cleanup, s.wsUrl, doc)
      await synced(reader)
      await converged([writer.doc, reader.doc])
      expect(reader.doc.getText('t').toString()).toBe('hello cluster')
      expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(writer.doc))
      reader.destroy()
    }
  })

  it('refuses node links and forwarded sockets without the cluster secret', async () => {
    const { servers } = await startCluster(cleanup, IDS)
    const target = servers[0]
    if (target === undefined) throw new Error('no server')
    const forger = createNodeAuth(`${CLUSTER_SECRET}-but-wrong`)
    const open = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${target.wsUrl}${path}`, { headers })
        ws.on('unexpected-response', (_req, res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        ws.on('open', () => {
          ws.terminate()
          resolve(101)
        })
        ws.on('error', () => undefined)
      })
    const wrongLink = await forger.sign({ kind: 'link', from: 'n2' }, 'n1')
    expect(await open('/.weft/link', { [NODE_AUTH_HEADER]: wrongLink })).toBe(401)
    expect(await open('/.weft/link', {})).toBe(401)
    expect(await open('/.weft/link', { [NODE_AUTH_HEADER]: 'garbage' })).toBe(401)
    // A forged forwarded socket claiming someone's write access.
    const grant = {
      user: 'mallory',
      displayName: null,
      access: 'write' as const,
      expiresAt: null,
      issuedAt: null,
    }
    const doc = docOwnedBy('n1')
    const wrongSocket = await forger.sign({ kind: 'socket', from: 'n2', doc, grant }, 'n1')
    expect(await open(`/${doc}`, { [NODE_AUTH_HEADER]: wrongSocket })).toBe(401)
    // Right secret, addressed to another node: refused too.
    const misaddressed = await createNodeAuth(CLUSTER_SECRET).sign(
      { kind: 'link', from: 'n2' },
      'n3',
    )
    expect(await open('/.weft/link', { [NODE_AUTH_HEADER]: misaddressed })).toBe(401)
    const metrics = await (await fetch(`${target.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/weft_auth_failures_total\{reason="node"\} 5/)
    expect(target.server.connectionCount).toBe(0)
    // The cluster still works.
    const client = connectClient(cleanup, target.wsUrl, docOwnedBy('n2', 'after'))
    await synced(client)
  })

  it('answers GET /cluster with the node list and the owner of a document (admin key)', async () => {
    const { nodes, servers } = await startCluster(cleanup, IDS)
    const url = `${servers[0]?.httpUrl}/cluster`
    expect((await fetch(url)).status).toBe(401)
    const doc = docOwnedBy('n3')
    const answer = await fetch(`${url}?doc=${encodeURIComponent(doc)}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({
      node: 'n1',
      member: true,
      inView: true,
      settled: expect.any(Boolean), // A hand-off scan may still be running.
      ready: true,
      nodes: nodes.map((n) => ({ id: n.id, url: n.url, self: n.id === 'n1', reachable: true })),
      configured: IDS,
      unreachablePeers: [],
      foreignDocuments: 0,
      handoffs: { given: 0, taken: 0 },
      doc: { name: doc, owner: { id: 'n3', url: nodes[2]?.url, reachable: true } },
    })
  })

  it('reports unreachable peers in /readyz and closes sockets of their documents with 1013', async () => {
    const { servers } = await startCluster(cleanup, IDS)
    const [n1, n2, n3] = servers
    if (n1 === undefined || n2 === undefined || n3 === undefined) throw new Error('no servers')
    const lost = docOwnedBy('n3', 'lost')
    const kept = docOwnedBy('n2', 'kept')
    const onLost = connectClient(cleanup, n1.wsUrl, lost)
    const onKept = [connectClient(cleanup, n1.wsUrl, kept), connectClient(cleanup, n2.wsUrl, kept)]
    await Promise.all([onLost, ...onKept].map(synced))
    const closes: number[] = []
    onLost.provider.on('connection-close', (event) => {
      if (event !== null) closes.push(event.code)
    })

    await n3.server.close()
    await new Promise<void>((resolve) => {
      if (closes.length > 0) resolve()
      else onLost.provider.once('connection-close', () => resolve())
    })
    // 1001 when n3 says it is going away; from then on every attempt is refused with 1013.
    const raw = await openRawSocket(cleanup, n1.wsUrl, lost)
    expect(raw.received).toEqual([])
    expect((await raw.closed).code).toBe(1006) // Non-browser client: HTTP 503, no close frame.
    expect((await upgradeStatus(n1.httpUrl, `/${lost}`)).status).toBe(503)
    const browser = new WebSocket(`${n1.wsUrl}/${lost}`, { headers: { origin: n1.httpUrl } })
    cleanup.add(() => browser.terminate())
    const code = await new Promise<number>((resolve) => browser.on('close', (c) => resolve(c)))
    expect(code).toBe(1013)

    const ready = await fetch(`${n1.httpUrl}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', node: 'n1', unreachablePeers: ['n3'] })

    // Documents of the other nodes are unaffected.
    onKept[0]?.doc.getText('t').insert(0, 'still here')
    await converged(onKept.map((c) => c.doc))
    expect(onKept.every((c) => c.provider.wsconnected)).toBe(true)
  })
})
