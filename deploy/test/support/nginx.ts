/**
 * Debian's nginx running deploy/nginx/nginx.conf and weft.conf — the files compose mounts —
 * with only what must differ outside a container replaced, each replacement checked to
 * match exactly: the node host names (→ 127.0.0.1:<port> of local nodes), the listen port,
 * the pid file and the include path, plus temp paths under a private prefix (Debian's
 * build has absolute defaults under /var/lib/nginx). Nothing outside the prefix is used.
 */
import { closeSync, openSync, watch } from 'node:fs'
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Cleanup } from './cleanup.js'
import { freePort, type RunningProcess, startProcess } from './processes.js'

/** Debian's nginx (.ci/run installs it when missing). */
export const NGINX_BIN = '/usr/sbin/nginx'
export const NGINX_DIR = fileURLToPath(new URL('../../nginx/', import.meta.url))

/** A `server host:port …;` line of the upstream block. */
export interface UpstreamServer {
  readonly host: string
  readonly port: number
  /** The line as written, for replacing it. */
  readonly line: string
}

/** The servers of `upstream weft { … }` in weft.conf, in order. */
export function upstreamServers(siteConf: string): UpstreamServer[] {
  const block = /upstream\s+weft\s*\{([^}]*)\}/.exec(siteConf)?.[1]
  if (block === undefined) throw new Error('weft.conf has no `upstream weft { … }` block')
  return [...block.matchAll(/^\s*server\s+([^\s:;]+):(\d+)\b[^;]*;/gm)].map((m) => ({
    host: m[1] as string,
    port: Number(m[2]),
    line: (m[0] as string).trim(),
  }))
}

/** Replace `search` in `text`, which must occur exactly once. */
export function replaceOnce(text: string, search: string, replacement: string): string {
  const count = text.split(search).length - 1
  if (count !== 1) throw new Error(`expected "${search}" once in the nginx config, found ${count}`)
  return text.replace(search, () => replacement)
}

/** The test's copies of nginx.conf and weft.conf. */
export function renderTestConfig(options: {
  readonly mainConf: string
  readonly siteConf: string
  readonly prefix: string
  readonly listenPort: number
  /** Local address for each upstream host name of weft.conf. */
  readonly upstreams: ReadonlyMap<string, string>
}): { main: string; site: string } {
  const { prefix } = options
  let main = replaceOnce(options.mainConf, 'pid /var/run/nginx.pid;', `pid ${prefix}/nginx.pid;`)
  main = replaceOnce(
    main,
    'include /etc/nginx/conf.d/weft.conf;',
    [
      `client_body_temp_path ${prefix}/temp/body;`,
      `proxy_temp_path ${prefix}/temp/proxy;`,
      `fastcgi_temp_path ${prefix}/temp/fastcgi;`,
      `uwsgi_temp_path ${prefix}/temp/uwsgi;`,
      `scgi_temp_path ${prefix}/temp/scgi;`,
      `include ${prefix}/weft.conf;`,
    ].join('\n    '),
  )
  let site = replaceOnce(options.siteConf, 'listen 80;', `listen 127.0.0.1:${options.listenPort};`)
  const servers = upstreamServers(options.siteConf)
  if (servers.length !== options.upstreams.size) {
    throw new Error(
      `weft.conf lists ${servers.length} nodes, the test runs ${options.upstreams.size}`,
    )
  }
  for (const server of servers) {
    const local = options.upstreams.get(server.host)
    if (local === undefined) throw new Error(`no local node for upstream ${server.host}`)
    site = replaceOnce(
      site,
      server.line,
      server.line.replace(`${server.host}:${server.port}`, local),
    )
  }
  return { main, site }
}

/** A running nginx. */
export interface RunningNginx {
  readonly process: RunningProcess
  /** Its standard output, where the shipped config sends the access log. */
  readonly accessLog: FileLines
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string
}

/**
 * Start nginx with the shipped configuration in front of `upstreams` (host name of
 * weft.conf → `127.0.0.1:<port>`). Resolves once it listens: nginx binds its sockets before
 * it writes the pid file, so the pid file's appearance is the signal.
 */
export async function startNginx(
  cleanup: Cleanup,
  prefix: string,
  upstreams: ReadonlyMap<string, string>,
): Promise<RunningNginx> {
  const mainConf = await readFile(join(NGINX_DIR, 'nginx.conf'), 'utf8')
  const siteConf = await readFile(join(NGINX_DIR, 'weft.conf'), 'utf8')
  // Run as root, nginx's workers drop to an unprivileged user that must reach the temp dirs.
  await chmod(prefix, 0o755)
  // nginx creates each temp path's last directory only.
  await mkdir(join(prefix, 'temp'), { recursive: true })
  let lastError: unknown
  // A free port can be taken between picking and binding it by another program: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const { main, site } = renderTestConfig({
      mainConf,
      siteConf,
      prefix,
      listenPort: port,
      upstreams,
    })
    await writeFile(join(prefix, 'nginx.conf'), main)
    await writeFile(join(prefix, 'weft.conf'), site)
    const pidFile = 'nginx.pid'
    const watcher = watch(prefix)
    try {
      const started = new Promise<void>((resolve) => {
        watcher.on('change', (_event, name) => {
          if (name === pidFile) resolve()
        })
      })
      // A file, not a pipe, as standard output: nginx opens /dev/stdout by name, which
      // works for files and pipes (as in a container) but not for Node's stdio sockets.
      const stdoutPath = join(prefix, `stdout-${attempt}.log`)
      const stdoutFd = openSync(stdoutPath, 'a')
      const accessLog = await followFile(cleanup, stdoutPath)
      const nginx = startProcess(
        cleanup,
        NGINX_BIN,
        ['-p', `${prefix}/`, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'],
        { stdoutFd },
      )
      closeSync(stdoutFd)
      // nginx stops on SIGQUIT gracefully; clean-up still SIGKILLs it if that fails.
      cleanup.add(() => nginx.stop('SIGQUIT', 10_000).catch(() => undefined))
      const outcome = await Promise.race([
        started.then(() => 'started' as const),
        nginx.exited.then(() => 'exited' as const),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref()),
      ])
      if (outcome === 'started') {
        return {
          process: nginx,
          accessLog,
          httpUrl: `http://127.0.0.1:${port}`,
          wsUrl: `ws://127.0.0.1:${port}`,
        }
      }
      lastError = new Error(`nginx did not start (${outcome}): ${nginx.output.stderr}`)
      if (!/Address already in use/.test(nginx.output.stderr)) break
    } finally {
      watcher.close()
    }
  }
  throw lastError
}

/** The `upstream=<addr>` field of a line of the `weft` access log format, if any. */
export function accessLogUpstream(line: string): { request: string; upstream: string } | undefined {
  const match = /"(?:GET|HEAD|POST) (\S+) [^"]*" \d+ .* upstream=(\S+)/.exec(line)
  return match === null ? undefined : { request: match[1] as string, upstream: match[2] as string }
}

/** The lines of a file that another process appends to. */
export interface FileLines {
  /**
   * Resolves with the first value `check` returns for the complete lines so far, re-checked
   * whenever the file changes; rejects after `timeoutMs`.
   */
  waitFor<T>(
    check: (lines: readonly string[]) => T | undefined,
    what: string,
    timeoutMs?: number,
  ): Promise<T>
}

/** Follow `path` (inotify through fs.watch) until clean-up. */
async function followFile(cleanup: Cleanup, path: string): Promise<FileLines> {
  const handle = await open(path, 'r')
  const lines: string[] = []
  let partial = ''
  let position = 0
  const listeners = new Set<() => void>()
  let reading = Promise.resolve()
  const readMore = (): Promise<void> => {
    reading = reading.then(async () => {
      const buffer = Buffer.alloc(64 * 1024)
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
        if (bytesRead === 0) break
        position += bytesRead
        partial += buffer.subarray(0, bytesRead).toString()
        const complete = partial.split('\n')
        partial = complete.pop() ?? ''
        lines.push(...complete)
      }
      for (const listener of listeners) listener()
    })
    return reading
  }
  const watcher = watch(path, () => void readMore())
  cleanup.add(async () => {
    watcher.close()
    await reading.catch(() => undefined)
    await handle.close()
  })
  return {
    async waitFor(check, what, timeoutMs = 15_000) {
      await readMore()
      const now = check(lines)
      if (now !== undefined) return now
      return new Promise((resolve, reject) => {
        const onChange = (): void => {
          const found = check(lines)
          if (found === undefined) return
          clearTimeout(timer)
          listeners.delete(onChange)
          resolve(found)
        }
        listeners.add(onChange)
        const timer = setTimeout(() => {
          listeners.delete(onChange)
          reject(
            new Error(`timed out waiting for ${what} in ${path}:\n${lines.slice(-20).join('\n')}`),
          )
        }, timeoutMs)
      })
    },
  }
}
