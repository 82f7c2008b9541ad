/**
 * deploy/nginx in front of three local weft-server nodes: Debian's nginx runs the shipped
 * nginx.conf and weft.conf (only host names, ports and paths replaced; see support/nginx.ts),
 * and real y-websocket clients connect through it.
 *
 * Until the server has the cluster options, the three nodes are independent servers: each
 * client's edits reach only the clients on the same node. Once `weft-server --help` lists
 * `--cluster-nodes`, the same test starts the nodes as one cluster and expects every client
 * and every node to see every edit (round-robin needs no affinity: any node forwards to the
 * document's owner).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cleanup, tempDir } from './support/cleanup.js'
import { httpGet, openSocket } from './support/http.js'
import {
  accessLogUpstream,
  NGINX_DIR,
  type RunningNginx,
  startNginx,
  upstreamServers,
} from './support/nginx.js'
import { freePort } from './support/processes.js'
import {
  APP_DIR,
  serverHasClusterOptions,
  startWeftNode,
  type WeftNode,
} from './support/weft-nodes.js'
import { type Client, connectClient, marks, synced, until } from './support/yjs-clients.js'

const CLUSTER = serverHasClusterOptions()
const DOC = 'through-nginx'
const CLIENTS = 6

const cleanup = new Cleanup()
let nodes: WeftNode[] = []
let nginx: RunningNginx

beforeAll(async () => {
  const names = upstreamServers(readFileSync(join(NGINX_DIR, 'weft.conf'), 'utf8')).map(
    (s) => s.host,
  )
  // A cluster's members must know each other's addresses before they start.
  const ports = CLUSTER ? await Promise.all(names.map(() => freePort())) : names.map(() => 0)
  const secret = randomBytes(32).toString('hex')
  const list = names.map((name, i) => `${name}=http://127.0.0.1:${ports[i]}`).join(',')
  console.info(`nginx test: ${CLUSTER ? `one cluster (${list})` : 'three independent nodes'}`)
  nodes = await Promise.all(
    names.map(async (name, i) =>
      startWeftNode(cleanup, [
        '--port',
        String(ports[i]),
        '--data-dir',
        await tempDir(cleanup, `weft-${name}-`),
        '--static-dir',
        APP_DIR,
        // Every client arrives from nginx's address: trust its X-Forwarded-For, so the
        // per-address limit applies to the clients nginx forwards for.
        '--trusted-proxies',
        '127.0.0.1',
        ...(CLUSTER
          ? ['--node-id', name, '--cluster-nodes', list, '--cluster-secret', secret]
          : []),
      ]),
    ),
  )
  const upstreams = new Map(names.map((name, i) => [name, `127.0.0.1:${nodes[i]?.port}`]))
  nginx = await startNginx(cleanup, await tempDir(cleanup, 'weft-nginx-'), upstreams)
})

afterAll(() => cleanup.run())

describe('nginx in front of three weft-server nodes', () => {
  it('passes /healthz and the web app through, and keeps /metrics private', async () => {
    const health = await httpGet(`${nginx.httpUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' })
    const page = await httpGet(`${nginx.httpUrl}/d/some-document`)
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Weft</title>')
    const metrics = await httpGet(`${nginx.httpUrl}/metrics`)
    expect(metrics.status).toBe(404)
    expect(metrics.body).not.toContain('weft_')
  })

  it('upgrades WebSockets on every node in turn; clients sync and edit through it', async () => {
    const clients: Client[] = []
    for (let i = 0; i < CLIENTS; i++) {
      // One after another, so each upgrade is its own round-robin pick.
      const client = connectClient(cleanup, nginx.wsUrl, DOC)
      await synced(client)
      client.doc.getMap('marks').set(`c${i}`, true)
      clients.push(client)
    }
    const everyMark = clients.map((_, i) => `c${i}`)
    // A reader on each node, connected directly, shows what that node has.
    const readers = nodes.map((node) => connectClient(cleanup, node.wsUrl, DOC))
    await Promise.all(readers.map((r) => synced(r)))
    const docs = [...clients, ...readers].map((c) => c.doc)

    if (CLUSTER) {
      await until(
        () => [...clients, ...readers].every((c) => marks(c.doc).length === CLIENTS),
        docs,
        'every client and every node has every edit',
      )
    } else {
      await until(
        () => new Set(readers.flatMap((r) => marks(r.doc))).size === CLIENTS,
        docs,
        'every edit reached some node',
      )
      // Independent nodes: each edit is on exactly one node, two on each (round-robin).
      expect(readers.flatMap((r) => marks(r.doc)).sort()).toEqual(everyMark.sort())
      expect(readers.map((r) => marks(r.doc).length)).toEqual([2, 2, 2])
      // Clients of the same node see each other's edits, relayed through nginx both ways.
      for (const [i, client] of clients.entries()) {
        const node = readers.find((r) => marks(r.doc).includes(`c${i}`)) as Client
        await until(
          () => marks(client.doc).join() === marks(node.doc).join(),
          [client.doc],
          `client ${i} sees the edits of its node's other client`,
        )
      }
    }

    for (const client of [...clients, ...readers]) client.destroy()
    // nginx logs a WebSocket when it closes, with the node that served it.
    const served = await nginx.accessLog.waitFor((lines) => {
      const found = lines.map(accessLogUpstream).filter((e) => e?.request === `/${DOC}`)
      return found.length >= CLIENTS ? found : undefined
    }, `${CLIENTS} WebSocket lines in nginx's access log`)
    const perNode = nodes.map(
      (node) => served.filter((e) => e?.upstream === `127.0.0.1:${node.port}`).length,
    )
    expect(perNode).toEqual([2, 2, 2])
  })

  it('passes the Host header on, so the server still tells its own pages from other sites', async () => {
    // A page served through nginx has nginx's origin; the server compares it with Host.
    const url = `${nginx.wsUrl}/origin-check`
    expect(await openSocket(url, nginx.httpUrl)).toEqual({ outcome: 'open' })
    expect(await openSocket(url, 'http://evil.example')).toEqual({
      outcome: 'closed',
      code: 4403,
      reason: 'origin not allowed',
    })
  })

  it('skips a node that is down', async () => {
    const down = nodes[1] as WeftNode
    expect(await down.process.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    // More requests than nodes: every one that would go to the stopped node is retried on
    // the next (proxy_next_upstream), none fails.
    for (let i = 0; i < 2 * nodes.length; i++) {
      expect((await httpGet(`${nginx.httpUrl}/healthz`)).status, `request ${i}`).toBe(200)
    }
    // Independent nodes: any live node serves a WebSocket too. (In a cluster a document
    // owned by the stopped node is unavailable until it is back: the cluster's own tests.)
    if (!CLUSTER) {
      const client = connectClient(cleanup, nginx.wsUrl, DOC)
      await synced(client)
      client.destroy()
    }
  })
})
