/**
 * Start a target (or the generator) as a child process: pinned to one core with `taskset`
 * when there are two or more, with a raised open-files limit through `prlimit` when allowed,
 * ready when its ready line appears. Only processes started here are ever signalled, by
 * their own PID.
 */
import { type ChildProcess, execFileSync, type StdioOptions, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus } from 'node:os'
import type { TargetSpec } from './registry.js'

/** Open files each process may hold (10,000 sockets, plus some). */
export const OPEN_FILES = 65_536

/** Cores used: the server on one, the generator on the other. */
export const CPU_SERVER = 1
export const CPU_GENERATOR = 0

/** How processes are placed; computed once per run. */
export interface Placement {
  /** `taskset` path when pinning is possible (2+ cores), else null. */
  readonly taskset: string | null
  /** `prlimit` path when it may raise the open-files limit to `OPEN_FILES`, else null. */
  readonly prlimit: string | null
}

/** Find what this machine offers for pinning and limits. */
export function detectPlacement(pin = true): Placement {
  const taskset = pin && cpus().length >= 2 ? which('taskset') : null
  let prlimit = which('prlimit')
  if (prlimit !== null) {
    try {
      // Raising the hard limit needs privileges; find out once instead of failing each start.
      execFileSync(prlimit, [`--nofile=${OPEN_FILES}:${OPEN_FILES}`, 'true'], { stdio: 'ignore' })
    } catch {
      prlimit = null
    }
  }
  return { taskset, prlimit }
}

function which(name: string): string | null {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`
  }
  return null
}

/**
 * Spawn `node <args>` placed on `cpu`. The PID of the child is node's own: `prlimit` and
 * `taskset` exec it.
 */
export function spawnNode(
  args: readonly string[],
  options: {
    placement: Placement
    cpu: number
    env?: Record<string, string>
    stdio?: StdioOptions
    nodeOptions?: readonly string[]
  },
): ChildProcess {
  const command: string[] = []
  if (options.placement.prlimit !== null) {
    command.push(options.placement.prlimit, `--nofile=${OPEN_FILES}:${OPEN_FILES}`)
  }
  if (options.placement.taskset !== null) {
    command.push(options.placement.taskset, '-c', String(options.cpu))
  }
  command.push(process.execPath, ...(options.nodeOptions ?? []), ...args)
  const [file, ...rest] = command as [string, ...string[]]
  return spawn(file, rest, {
    env: { ...process.env, ...options.env },
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  })
}

/** A free TCP port on 127.0.0.1 (asked from the OS; another process could take it meanwhile). */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A started target. */
export interface RunningTarget {
  readonly spec: TargetSpec
  readonly port: number
  readonly pid: number
  readonly dataDir: string
  readonly urlPattern: string
  /** The last lines it printed (for error messages). */
  output(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Start `spec` on a free port with `dataDir`, and wait for its ready line.
 *
 * @throws {Error} when it exits or is not ready within `timeoutMs`.
 */
export async function startTarget(
  spec: TargetSpec,
  options: {
    dataDir: string
    placement: Placement
    timeoutMs?: number
    port?: number
    nodeOptions?: readonly string[]
  },
): Promise<RunningTarget> {
  const port = options.port ?? (await freePort())
  const { args, env } = spec.command(port, options.dataDir)
  const child = spawnNode(args, {
    placement: options.placement,
    cpu: CPU_SERVER,
    env,
    ...(options.nodeOptions === undefined ? {} : { nodeOptions: options.nodeOptions }),
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`${spec.name}: could not start`)
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  const tail: string[] = []
  let onLine: ((line: string) => void) | null = null
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line === '') continue
      tail.push(line)
      if (tail.length > 40) tail.shift()
      onLine?.(line)
    }
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const output = (): string => tail.join('\n')
  const timeoutMs = options.timeoutMs ?? 30_000
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${spec.name}: not ready after ${timeoutMs} ms\n${output()}`))
    }, timeoutMs)
    if (tail.some((line) => spec.ready.test(line))) resolve()
    onLine = (line) => {
      if (!spec.ready.test(line)) return
      clearTimeout(timer)
      onLine = null
      resolve()
    }
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`${spec.name}: exited (${code ?? signal}) before ready\n${output()}`))
    })
  })
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null
  return {
    spec,
    port,
    pid,
    dataDir: options.dataDir,
    urlPattern: spec.urlPattern(port),
    output,
    stop(graceMs = 15_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        const result = await exited
        clearTimeout(timer)
        return result
      })()
      return stopping
    },
  }
}
