/**
 * Test harness: real servers on port 0 with LevelDB in temp directories, and the real
 * y-websocket client over the real `ws` package. Waits are on events, never on time.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { defaultConfig, type ServerConfig } from '../config/options.js'
import { createSyncServer, type SyncServer, type SyncServerDeps } from '../server.js'

/** Things to clean up after a test, newest first. */
export class Cleanup {
  readonly #tasks: (() => unknown)[] = []
  add(task: () => unknown): void {
    this.#tasks.push(task)
  }
  async run(): Promise<void> {
    for (const task of this.#tasks.splice(0).reverse()) await task()
  }
}

/** A new temporary directory, removed by `cleanup`. */
export async function tempDir(cleanup: Cleanup, prefix = 'weft-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanup.add(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A listening in-process server. */
export interface RunningServer {
  readonly server: SyncServer
  readonly config: ServerConfig
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string
}

/** Start an in-process server on a free port (LevelDB in a temp dir unless overridden). */
export async function startServer(
  cleanup: Cleanup,
  overrides: Partial<ServerConfig> = {},
  deps: SyncServerDeps = {},
): Promise<RunningServer> {
  const config: ServerConfig = {
    ...defaultConfig(),
    port: 0,
    dataDir: overrides.dataDir ?? (await tempDir(cleanup)),
    ...overrides,
  }
  const server = createSyncServer(config, deps)
  cleanup.add(() => server.close())
  const { port } = await server.listen()
  return { server, config, wsUrl: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}` }
}

/** A y-websocket client with its own Y.Doc. */
export interface Client {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  destroy(): void
}

/** Connect the standard y-websocket client; `destroy` is registered with `cleanup`. */
export function connectClient(
  cleanup: Cleanup,
  wsUrl: string,
  docName: string,
  options: { doc?: Y.Doc; connect?: boolean } = {},
): Client {
  const doc = options.doc ?? new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
  })
  let destroyed = false
  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    provider.destroy()
    doc.destroy()
  }
  cleanup.add(destroy)
  return { doc, provider, destroy }
}

/** Resolves once the provider has synced with the server. */
export function synced(client: Client): Promise<void> {
  if (client.provider.synced) return Promise.resolve()
  return new Promise((resolve) => {
    const onSync = (state: boolean): void => {
      if (!state) return
      client.provider.off('sync', onSync)
      resolve()
    }
    client.provider.on('sync', onSync)
  })
}

/**
 * Resolves once `check()` is true, re-checking whenever one of `docs` changes (and on each
 * of `alsoOn`'s events). Rejects with `message` if `timeoutMs` passes first.
 */
export function until(
  check: () => boolean,
  sources: { docs?: Y.Doc[]; alsoOn?: [{ on: Function; off: Function }, string][] },
  message = 'condition not reached',
  timeoutMs = 15_000,
): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const detach: (() => void)[] = []
    const done = (error?: Error): void => {
      clearTimeout(timer)
      for (const d of detach) d()
      if (error) reject(error)
      else resolve()
    }
    const recheck = (): void => {
      if (check()) done()
    }
    for (const doc of sources.docs ?? []) {
      doc.on('update', recheck)
      detach.push(() => doc.off('update', recheck))
    }
    for (const [emitter, event] of sources.alsoOn ?? []) {
      emitter.on(event, recheck)
      detach.push(() => emitter.off(event, recheck))
    }
    const timer = setTimeout(() => done(new Error(`timed out: ${message}`)), timeoutMs)
  })
}

/** Resolves once every doc has the same state as the first. */
export function converged(docs: Y.Doc[], timeoutMs?: number): Promise<void> {
  const same = (): boolean => {
    const first = docs[0]
    if (first === undefined) return true
    const sv = Y.encodeStateVector(first)
    return docs.every(
      (d) => Buffer.compare(Buffer.from(Y.encodeStateVector(d)), Buffer.from(sv)) === 0,
    )
  }
  return until(same, { docs }, 'documents did not converge', timeoutMs)
}

/** Whether `a` contains every change `b` has (b's state vector is covered by a's). */
export function covers(a: Y.Doc, b: Y.Doc): boolean {
  const have = Y.decodeStateVector(Y.encodeStateVector(a))
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(b))) {
    if ((have.get(client) ?? 0) < clock) return false
  }
  return true
}

/** Path of the built CLI (tests that spawn a server process need `npm run build` first). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

/** A server running as a child process of the test. */
export interface ServerProcess {
  readonly child: ChildProcess
  readonly wsUrl: string
  readonly httpUrl: string
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Spawn `weft-server` on a free port and wait for its "listening" log line. `port` may be
 * passed to restart on the same port.
 */
export async function spawnServer(
  cleanup: Cleanup,
  args: string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI_PATH, '--port', '0', '--log-level', 'info', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  cleanup.add(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString()
      let newline = buffered.indexOf('\n')
      while (newline !== -1) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        newline = buffered.indexOf('\n')
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number }
          if (entry.msg === 'weft-server listening' && entry.port !== undefined) {
            child.stdout?.off('data', onData)
            resolve(entry.port)
            return
          }
        } catch {
          // Not a JSON log line; keep reading.
        }
      }
    }
    child.stdout?.on('data', onData)
    void exited.then(({ code }) => reject(new Error(`server exited with ${code}: ${stderr}`)))
  })
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout?.resume()
  return { child, exited, wsUrl: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}` }
}
