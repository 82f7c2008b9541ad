/**
 * A Weft cluster for a test: `weft-server` processes on free loopback ports, each with its
 * own temp data dir, all serving the built web app, linked by one cluster secret.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from './free-ports.js'
import { APP_DIR, type Started, startProcess } from './weft-server.js'

const SECRET = 'e2e-cluster-secret-0123456789abcdef'

/** One node of the cluster. */
export interface ClusterNodeProcess {
  readonly id: string
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly url: string
}

/** A running cluster. */
export interface WeftCluster {
  readonly nodes: readonly ClusterNodeProcess[]
  /** Stop every node and remove the data dirs. */
  dispose(): Promise<void>
}

/** Start `count` nodes (`n1`…) as one cluster. */
export async function startWeftCluster(count: number): Promise<WeftCluster> {
  const ports = await freePorts(count)
  const nodes = ports.map((port, i) => ({
    id: `n${i + 1}`,
    port,
    url: `http://127.0.0.1:${port}`,
  }))
  const list = nodes.map((n) => `${n.id}=${n.url}`).join(',')
  const dirs: string[] = []
  const started: Started[] = []
  try {
    for (const node of nodes) {
      const dir = await mkdtemp(join(tmpdir(), `weft-e2e-${node.id}-`))
      dirs.push(dir)
      started.push(
        await startProcess([
          '--port',
          String(node.port),
          '--data-dir',
          dir,
          '--static-dir',
          APP_DIR,
          '--node-id',
          node.id,
          '--cluster-nodes',
          list,
          '--cluster-secret',
          SECRET,
        ]),
      )
    }
  } catch (error) {
    await stopAll(started, dirs)
    throw error
  }
  return { nodes, dispose: () => stopAll(started, dirs) }
}

async function stopAll(started: Started[], dirs: string[]): Promise<void> {
  for (const { child, exited } of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  }
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
}

/** A metric of a node (0 when absent), e.g. `weft_forwarded_sockets`. */
export async function nodeMetric(node: ClusterNodeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text()
  // The sum over every series of the family (e.g. weft_connections_open{access="…"}).
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1))
    }
  }
  return sum
}
