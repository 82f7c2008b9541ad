/**
 * A real `weft-server` process for a test: free port (port 0, read from its "listening" log
 * line), its own temp data dir, stopped by pid. It can be killed (SIGKILL) and started
 * again on the same port and data dir, so pages reconnect to the same URL.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built CLI and web app (the e2e test task depends on both builds). */
export const CLI_PATH = fileURLToPath(
  new URL('../../apps/sync-server/dist/cli/main.js', import.meta.url),
)
export const APP_DIR = fileURLToPath(new URL('../../apps/editor/dist/app', import.meta.url))
export const ELEMENT_DIR = fileURLToPath(new URL('../../apps/editor/dist/element', import.meta.url))

/** A running server process. */
export interface WeftServer {
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly dataDir: string
  /** `kill -9` the process and wait until it is gone. */
  kill(): Promise<void>
  /** Start it again on the same port and data dir (after `kill`). */
  restart(): Promise<void>
  /** Stop it and remove its data dir. */
  dispose(): Promise<void>
}

/** A started `weft-server` process and the port it listens on. */
export interface Started {
  child: ChildProcess
  port: number
  exited: Promise<unknown>
}

/** Spawn `weft-server` with `args` and resolve once it logs that it listens. */
export function startProcess(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI_PATH, '--log-level', 'info', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit')
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString()
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        const port = listeningPort(line)
        if (port !== null) {
          child.stdout?.off('data', onData)
          // Keep draining so the child never blocks on a full pipe.
          child.stdout?.resume()
          resolve({ child, port, exited })
          return
        }
      }
    }
    child.stdout?.on('data', onData)
    exited.then(([code]) => reject(new Error(`weft-server exited with ${String(code)}: ${stderr}`)))
  })
}

function listeningPort(line: string): number | null {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown }
    return entry.msg === 'weft-server listening' && typeof entry.port === 'number'
      ? entry.port
      : null
  } catch {
    // Not a JSON log line.
    return null
  }
}

/**
 * Start a server serving `staticDir` (the built web app by default), with `extraArgs`
 * (further command-line options) on every start.
 */
export async function startWeftServer(
  staticDir = APP_DIR,
  extraArgs: readonly string[] = [],
): Promise<WeftServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-e2e-'))
  const args = (port: number): string[] => [
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--static-dir',
    staticDir,
    ...extraArgs,
  ]
  let current: Started | null = await startProcess(args(0))
  const port = current.port
  const kill = async (): Promise<void> => {
    const running = current
    current = null
    if (running === null) return
    if (running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL')
      await running.exited
    }
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    kill,
    async restart() {
      await kill()
      current = await startProcess(args(port))
    },
    async dispose() {
      await kill()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
