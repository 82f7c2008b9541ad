/**
 * Child processes for tests: output captured, exit awaited, killed by pid at clean-up.
 * Waits are on output lines and exit events, each bounded.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { Cleanup } from './cleanup.js'

/** How a process ended. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running child process with its output so far. */
export interface RunningProcess {
  readonly child: ChildProcess
  /** Everything written to stdout and stderr so far (the last 1 MiB of each). */
  readonly output: { stdout: string; stderr: string }
  readonly exited: Promise<Exit>
  /**
   * Resolves with the first stdout line (already written or still to come) for which
   * `match` returns a value. Rejects if the process exits first or `timeoutMs` passes.
   */
  waitForLine<T>(
    match: (line: string) => T | undefined,
    what: string,
    timeoutMs?: number,
  ): Promise<T>
  /** Send `signal` and resolve with how the process ended (bounded by `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>
}

const MAX_CAPTURE = 1024 * 1024

/**
 * Start `command`; it is SIGKILLed (by pid) at clean-up if still running. With `stdoutFd`
 * its standard output goes to that file instead of being captured.
 */
export function startProcess(
  cleanup: Cleanup,
  command: string,
  args: readonly string[],
  options: SpawnOptions & { stdoutFd?: number } = {},
): RunningProcess {
  const { stdoutFd, ...spawnOptions } = options
  const child = spawn(command, args, {
    ...spawnOptions,
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  const lines: string[] = []
  const lineListeners = new Set<(line: string) => void>()
  let partial = ''
  const exited: Promise<Exit> = new Promise((resolve) => {
    // A command that cannot start (ENOENT, EACCES) ends like one that failed at once.
    child.once('error', (error) => {
      output.stderr += `\n${command}: ${error.message}`
      resolve({ code: null, signal: null })
    })
    // 'close', not 'exit': by then every line the process wrote has been read.
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  cleanup.add(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited.catch(() => undefined)
    }
  })
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    output.stdout = (output.stdout + text).slice(-MAX_CAPTURE)
    partial += text
    for (let nl = partial.indexOf('\n'); nl !== -1; nl = partial.indexOf('\n')) {
      const line = partial.slice(0, nl)
      partial = partial.slice(nl + 1)
      if (lines.length < 10_000) lines.push(line)
      for (const listener of lineListeners) listener(line)
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr = (output.stderr + chunk.toString()).slice(-MAX_CAPTURE)
  })

  const describe = (): string =>
    `${command} ${args.join(' ')}\n--- stdout (end) ---\n${output.stdout.slice(-4000)}\n--- stderr (end) ---\n${output.stderr.slice(-4000)}`

  const waitForOutput = <T>(
    check: (all: readonly string[]) => T | undefined,
    what: string,
    timeoutMs = 30_000,
  ): Promise<T> => {
    const now = check(lines)
    if (now !== undefined) return Promise.resolve(now)
    return new Promise<T>((resolve, reject) => {
      const done = (error: Error | null, value?: T): void => {
        clearTimeout(timer)
        lineListeners.delete(onLine)
        if (error) reject(error)
        else resolve(value as T)
      }
      const onLine = (): void => {
        const found = check(lines)
        if (found !== undefined) done(null, found)
      }
      lineListeners.add(onLine)
      const timer = setTimeout(
        () => done(new Error(`timed out waiting for ${what}: ${describe()}`)),
        timeoutMs,
      )
      void exited.then((exit) =>
        done(new Error(`exited (${JSON.stringify(exit)}) before ${what}: ${describe()}`)),
      )
    })
  }

  return {
    child,
    output,
    exited,
    waitForLine<T>(match: (line: string) => T | undefined, what: string, timeoutMs = 30_000) {
      return waitForOutput(
        (all) => {
          for (const line of all) {
            const found = match(line)
            if (found !== undefined) return found
          }
          return undefined
        },
        what,
        timeoutMs,
      )
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`did not exit within ${timeoutMs} ms of ${signal}: ${describe()}`)),
          timeoutMs,
        )
      })
      try {
        return await Promise.race([exited, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/** Run a command to completion (bounded), resolving with its exit and output. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs: number },
): Promise<Exit & { stdout: string; stderr: string }> {
  const { timeoutMs, ...spawnOptions } = options
  const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-MAX_CAPTURE)
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-MAX_CAPTURE)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
    if (signal === 'SIGKILL') {
      throw new Error(
        `${command} ${args.join(' ')} ran past ${timeoutMs} ms:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`,
      )
    }
    return { code, signal, stdout, stderr }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A TCP port that was free a moment ago (bound to port 0 on 127.0.0.1, then released), for
 * programs that cannot report the port they bound (nginx) or must know peers' ports before
 * they start (cluster members).
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  server.close()
  await once(server, 'close')
  return address.port
}

/** The port of weft-server's "listening" JSON log line, if `line` is that line. */
export function listeningPort(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown }
    return entry.msg === 'weft-server listening' && typeof entry.port === 'number'
      ? entry.port
      : undefined
  } catch {
    // Not a JSON log line.
    return undefined
  }
}
