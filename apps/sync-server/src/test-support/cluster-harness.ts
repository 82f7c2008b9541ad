/**
 * Cluster test harness: several real servers on loopback, each with its own LevelDB
 * directory, linked as one cluster. Ports are picked free before the nodes start (every node
 * must know every URL up front); waits are on cluster events, never on time.
 */
import { spawn } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { createServer } from 'node:net'
import type { ClusterNode } from '../cluster/node-list.js'
import { formatNodeList } from '../cluster/node-list.js'
import type { ServerConfig } from '../config/options.js'
import type { SyncServerDeps } from '../server.js'
import { openLevelDbStore } from '../storage/leveldb-store.js'
import {
  CLI_PATH,
  type Cleanup,
  type RunningServer,
  startServer,
  tempDir,
  until,
} from './harness.js'

/** The cluster secret of every test node. */
export const CLUSTER_SECRET = 'test-cluster-secret-0123456789abcdef'
/** The admin key of every test node. */
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

/** A log line of a node process (pino JSON). */
export interface LogEntry {
  readonly msg?: string
  readonly [key: string]: unknown
}

/** A node running as a child process. */
export interface NodeProcess {
  readonly node: PlannedNode
  readonly wsUrl: string
  readonly httpUrl: string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Every log line so far. */
  readonly logs: LogEntry[]
  /** Emits `line` for every log line. */
  readonly events: EventEmitter
  /** Resolves with the first log line (from now on or already seen) matching `test`. */
  waitForLog(
    test: (entry: LogEntry) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<LogEntry>
  /** `kill -9` and wait until it is gone. */
  kill(): Promise<void>
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>
}

/** Spawn the built CLI as node `node` with `members` (and more flags), wait until it listens. */
export async function spawnNode(
  cleanup: Cleanup,
  node: PlannedNode,
  members: readonly ClusterNode[],
  extra: string[] = [],
): Promise<NodeProcess> {
  const args = [
    CLI_PATH,
    '--port',
    String(node.port),
    '--data-dir',
    node.dataDir,
    '--node-id',
    node.id,
    '--cluster-nodes',
    formatNodeList(members),
    '--cluster-secret',
    CLUSTER_SECRET,
    '--admin-key',
    ADMIN_KEY,
    '--cluster-timeout',
    '2s',
    '--log-level',
    'info',
    ...extra,
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  const alive = () => child.exitCode === null && child.signalCode === null
  cleanup.add(async () => {
    if (alive()) {
      child.kill('SIGKILL')
      await exited
    }
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const logs: LogEntry[] = []
  const lines = new EventEmitter()
  let buffered = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      try {
        const entry = JSON.parse(line) as LogEntry
        logs.push(entry)
        lines.emit('line', entry)
      } catch {
        // Not a log line.
      }
    }
  })
  const waitForLog = (test: (entry: LogEntry) => boolean, what: string, timeoutMs = 20_000) => {
    const seen = logs.find(test)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise<LogEntry>((resolve, reject) => {
      const timer = setTimeout(() => {
        lines.off('line', onLine)
        reject(new Error(`${node.id}: timed out waiting for ${what}; stderr: ${stderr}`))
      }, timeoutMs)
      const onLine = (entry: LogEntry): void => {
        if (!test(entry)) return
        clearTimeout(timer)
        lines.off('line', onLine)
        resolve(entry)
      }
      lines.on('line', onLine)
    })
  }
  await Promise.race([
    waitForLog((e) => e.msg === 'weft-server listening', 'listening'),
    exited.then(({ code }) => {
      throw new Error(`${node.id} exited with ${code}: ${stderr}`)
    }),
  ])
  return {
    node,
    wsUrl: `ws://127.0.0.1:${node.port}`,
    httpUrl: node.url,
    exited,
    logs,
    events: lines,
    waitForLog,
    async kill() {
      if (alive()) child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (alive()) child.kill('SIGTERM')
      const { code } = await exited
      if (code !== 0) {
        const from = logs.findIndex((e) => e.msg === 'shutting down')
        const errors = logs
          .slice(from)
          .slice(-12)
          .map((e) => `${e.msg} ${e.room ?? ''} ${e.peer ?? ''}`)
        throw new Error(`${node.id} exited with ${code}: ${stderr} ${JSON.stringify(errors)}`)
      }
    },
  }
}

/** Resolves once `proc` has an open link (either way) to every node in `peers`. */
export async function linkedTo(proc: NodeProcess, peers: readonly string[]): Promise<void> {
  await Promise.all(
    peers.map((peer) =>
      proc.waitForLog(
        (e) => (e.msg === 'node link opened' || e.msg === 'node link accepted') && e.peer === peer,
        `a link to ${peer}`,
      ),
    ),
  )
}
