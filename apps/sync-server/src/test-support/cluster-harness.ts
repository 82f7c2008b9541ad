/**
 * Cluster test harness: several real servers on loopback, each with its own LevelDB
 * directory, linked as one cluster. Ports are picked free before the nodes start (every node
 * must know every URL up front); waits are on cluster events, never on time.
 */
import { createServer } from 'node:net'
import type { ClusterNode } from '../cluster/node-list.js'
import { formatNodeList } from '../cluster/node-list.js'
import type { ServerConfig } from '../config/options.js'
import type { SyncServerDeps } from '../server.js'
import { openLevelDbStore } from '../storage/leveldb-store.js'
import { type Cleanup, type RunningServer, startServer, tempDir, until } from './harness.js'

export const CLUSTER_SECRET = 'test-cluster-secret-0123456789abcdef'
export const ADMIN_KEY = 'test-admin-key-0123456789'

/** Ports free right now on 127.0.0.1 (bound together, so they differ, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const server = createServer()
          server.once('error', reject)
          server.listen(0, '127.0.0.1', () => resolve(server))
        }),
    ),
  )
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

/** One planned node: id, port and data dir. */
export interface PlannedNode {
  readonly id: string
  readonly port: number
  readonly dataDir: string
  readonly url: string
}

/** Plan `ids` as nodes on free ports with fresh data dirs. */
export async function planNodes(cleanup: Cleanup, ids: readonly string[]): Promise<PlannedNode[]> {
  const ports = await freePorts(ids.length)
  return Promise.all(
    ids.map(async (id, i) => {
      const port = ports[i] as number
      return { id, port, dataDir: await tempDir(cleanup), url: `http://127.0.0.1:${port}` }
    }),
  )
}

/** The `--cluster-nodes` list of some planned nodes. */
export const membersOf = (nodes: readonly PlannedNode[]): ClusterNode[] =>
  nodes.map((n) => ({ id: n.id, url: n.url }))

export const nodeListOf = (nodes: readonly PlannedNode[]): string =>
  formatNodeList(membersOf(nodes))

/** Config of one in-process cluster node. */
export function nodeConfig(
  node: PlannedNode,
  members: readonly ClusterNode[],
  overrides: Partial<ServerConfig> = {},
): Partial<ServerConfig> {
  return {
    port: node.port,
    dataDir: node.dataDir,
    nodeId: node.id,
    clusterNodes: members,
    clusterSecret: CLUSTER_SECRET,
    adminKey: ADMIN_KEY,
    clusterTimeoutMs: 2000,
    ...overrides,
  }
}

/** Start in-process nodes (all with the same member list) and wait until they are all linked. */
export async function startCluster(
  cleanup: Cleanup,
  ids: readonly string[],
  overrides: Partial<ServerConfig> = {},
  deps: (node: PlannedNode) => SyncServerDeps = () => ({}),
): Promise<{ nodes: PlannedNode[]; servers: RunningServer[] }> {
  const nodes = await planNodes(cleanup, ids)
  const members = membersOf(nodes)
  const servers = await Promise.all(
    nodes.map((node) => startServer(cleanup, nodeConfig(node, members, overrides), deps(node))),
  )
  await linked(servers)
  return { nodes, servers }
}

/** Resolves once every server is ready and has a link to every other node of its view. */
export async function linked(servers: readonly RunningServer[], timeoutMs = 15_000): Promise<void> {
  await Promise.all(
    servers.map((s) => {
      const cluster = s.server.cluster
      return until(
        () => cluster.membership.isReady && cluster.membership.unreachable().length === 0,
        { alsoOn: [[cluster.events, 'change']] },
        `${cluster.self} linked to every peer`,
        timeoutMs,
      ).then(() => cluster.membership.ready)
    }),
  )
}

/** Names of the documents stored in a (closed) node's data dir. */
export async function storedDocs(dataDir: string): Promise<string[]> {
  const store = await openLevelDbStore({ dir: dataDir, fsync: false })
  try {
    const names: string[] = []
    let after: string | undefined
    do {
      const page = await store.list(after === undefined ? { limit: 1000 } : { after, limit: 1000 })
      names.push(...page.docs.map((d) => d.name))
      after = page.next
    } while (after !== undefined)
    return names
  } finally {
    await store.close()
  }
}
