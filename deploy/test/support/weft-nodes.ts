/**
 * `weft-server` processes from the workspace's build (apps/sync-server/dist, the editor's
 * dist/app), each on its own port with its own temp data dir.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Cleanup } from './cleanup.js'
import { listeningPort, type RunningProcess, startProcess } from './processes.js'

/** The built CLI and web app (the deploy test task depends on both builds). */
export const CLI_PATH = fileURLToPath(
  new URL('../../../apps/sync-server/dist/cli/main.js', import.meta.url),
)
export const APP_DIR = fileURLToPath(new URL('../../../apps/editor/dist/app', import.meta.url))

/** A running node. */
export interface WeftNode {
  readonly process: RunningProcess
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string
}

/** Start the built `weft-server` with `args` and wait for its "listening" line. */
export async function startWeftNode(
  cleanup: Cleanup,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<WeftNode> {
  const child = startProcess(cleanup, process.execPath, [CLI_PATH, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  })
  const port = await child.waitForLine(listeningPort, 'weft-server listening')
  return {
    process: child,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
  }
}

/** Whether the built server has the cluster options (`--cluster-nodes`, …) yet. */
export function serverHasClusterOptions(): boolean {
  const help = spawnSync(process.execPath, [CLI_PATH, '--help'], { encoding: 'utf8' })
  if (help.status !== 0) throw new Error(`weft-server --help failed: ${help.stderr}`)
  return help.stdout.includes('--cluster-nodes')
}
