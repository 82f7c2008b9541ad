/**
 * Test harness: real servers on port 0 with LevelDB in temp directories, and the real
 * y-websocket client over the real `ws` package. Waits are on events, never on time.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { defaultConfig, type ServerConfig } from '../config/options.js'
import type { RoomClock } from '../room/room-versions.js'
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
  options: { doc?: Y.Doc; connect?: boolean; params?: Record<string, string> } = {},
): Client {
  const doc = options.doc ?? new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
    params: options.params ?? {},
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

/** Resolves at the provider's next transition to synced (for example after a reconnect). */
export function nextSync(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const onSync = (state: boolean): void => {
      if (!state) return
      client.provider.off('sync', onSync)
      resolve()
    }
    client.provider.on('sync', onSync)
  })
}

/** Anything with `on`/`off` listener methods (lib0 observables, Node emitters). */
export interface Observable {
  on(event: string, listener: () => void): unknown
  off(event: string, listener: () => void): unknown
}

/**
 * Resolves once `check()` is true, re-checking whenever one of `docs` changes (and on each
 * of `alsoOn`'s events). Rejects with `message` if `timeoutMs` passes first.
 */
export function until(
  check: () => boolean,
  sources: { docs?: Y.Doc[]; alsoOn?: [Observable, string][] },
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

/** A raw WebSocket for sending frames a well-behaved client never would. */
export interface RawSocket {
  readonly ws: WebSocket
  /** Frames received so far. */
  readonly received: Buffer[]
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>
}

/** Open a raw socket to a document and wait until the server has sent its first frame. */
export async function openRawSocket(
  cleanup: Cleanup,
  wsUrl: string,
  docName: string,
  query: Record<string, string> = {},
): Promise<RawSocket> {
  const search = new URLSearchParams(query).toString()
  const ws = new WebSocket(`${wsUrl}/${encodeURIComponent(docName)}${search ? `?${search}` : ''}`)
  cleanup.add(() => ws.terminate())
  const received: Buffer[] = []
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  ws.on('error', () => {
    // Expected for refused upgrades and oversized frames; `closed` reports the outcome.
  })
  const first = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      received.push(data)
      resolve()
    })
  })
  await Promise.race([first, closed])
  return { ws, received, closed }
}

/**
 * Send a WebSocket upgrade request for `path` (sent as is, not re-encoded) and resolve with
 * the HTTP status of the answer (101 when the upgrade was accepted) and its body.
 */
export function upgradeStatus(
  httpUrl: string,
  path: string,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(httpUrl)
  return new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      path,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    })
    req.on('upgrade', (_res, socket) => {
      socket.destroy()
      resolve({ status: 101, body: '' })
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString()
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A `RoomClock` whose time only moves when a test says so. */
export interface ManualClock extends RoomClock {
  /** Move time forward, run the timers that came due, and wait for the work they started. */
  advance(ms: number): Promise<void>
  /** Timers waiting. */
  readonly pending: number
}

/** Create a `ManualClock` starting at `startMs`. */
export function createManualClock(startMs = Date.UTC(2025, 0, 1)): ManualClock {
  let now = startMs
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => unknown }>()
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++
      timers.set(id, { at: now + ms, callback })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    get pending() {
      return timers.size
    },
    async advance(ms) {
      // Timer by timer, in time order, each at its own time: a timer set by one that ran is
      // run too when it falls in the same span.
      const end = now + ms
      const work: unknown[] = []
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= end)
          .sort((a, b) => a[1].at - b[1].at)[0]
        if (due === undefined) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        work.push(due[1].callback())
      }
      now = end
      await Promise.all(work)
    },
  }
}
