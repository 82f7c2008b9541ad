/**
 * The image's build, without Docker: deploy/Dockerfile's own steps executed in a clean copy
 * of the repository (support/image-builder.ts), then `weft-server` started from the
 * runtime stage's directory with only the image's environment, as `docker run` would
 * start it. No Docker engine runs here; this is as close as the machine allows, and it
 * cannot drift from the Dockerfile because it reads it.
 *
 * When the test runs as root (as CI does), COPY --chown is applied and the server runs as
 * the image's USER, so file permissions are checked too.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { lstat, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBuildContext, REPO_ROOT } from './support/build-context.js'
import { Cleanup, tempDir } from './support/cleanup.js'
import { parseDockerfile } from './support/dockerfile-plan.js'
import { type HttpResponse, httpGet } from './support/http.js'
import { type BuiltImage, buildImage } from './support/image-builder.js'
import {
  listeningPort,
  type RunningProcess,
  runProcess,
  startProcess,
} from './support/processes.js'
import { connectClient, marks, synced, until } from './support/yjs-clients.js'

// npm ci twice and a full build on a loaded 2-core machine: minutes, not hours.
const BUILD_TIMEOUT_MS = 10 * 60_000

const cleanup = new Cleanup()
let image: BuiltImage
let runAs: { uid: number; gid: number } | null = null

beforeAll(async () => {
  const work = await tempDir(cleanup, 'weft-image-')
  const context = join(work, 'context')
  const { copied } = await createBuildContext(context)
  const plan = parseDockerfile(await readFile(join(context, 'deploy/Dockerfile'), 'utf8'))
  // Asked outside the workspace: inside it, npm refuses `config` commands.
  const npmCache = execFileSync('npm', ['config', 'get', 'cache'], {
    encoding: 'utf8',
    cwd: work,
  }).trim()
  const started = Date.now()
  const steps: string[] = []
  image = await buildImage(plan, {
    context,
    workDir: join(work, 'stages'),
    // Like a BuildKit cache mount: the host's npm cache stands behind /root/.npm.
    cacheDir: (target) => {
      if (target !== '/root/.npm') throw new Error(`no host cache for ${target}`)
      return npmCache
    },
    runTimeoutMs: 5 * 60_000,
    log: (line) => steps.push(line),
  })
  console.info(
    `image: ${steps.length} steps, ${copied.length} context files, built in ${Date.now() - started} ms (per stage: ${JSON.stringify(image.stageMs)})`,
  )
  if (process.getuid?.() === 0) {
    const [uid, gid] = (image.config.user ?? '0:0').split(':').map(Number)
    runAs = { uid: uid ?? 0, gid: gid ?? 0 }
    // mkdtemp's 0700 would keep the image's user out of the whole tree.
    execFileSync('chmod', ['755', work, join(work, 'stages'), image.root])
  }
}, BUILD_TIMEOUT_MS)

afterAll(() => cleanup.run())

/** `docker run`: the entry point with the image's environment (and `extraEnv`, like -e). */
function runContainer(extraEnv: Record<string, string>): RunningProcess {
  const [command, ...args] = [...(image.config.entrypoint ?? []), ...(image.config.cmd ?? [])]
  if (command === undefined) throw new Error('image has no entry point')
  return startProcess(cleanup, command, args, {
    cwd: image.toHost(image.config.workdir),
    // Docker sets HOME from the user's passwd entry (the node image's /home/node).
    env: { ...image.hostEnv, HOME: '/home/node', ...extraEnv },
    ...(runAs ?? {}),
  })
}

/** The image's HEALTHCHECK command, run as Docker runs it inside the container. */
async function healthcheck(env: Record<string, string>): Promise<number | null> {
  const [command, ...args] = (image.config.healthcheck?.command ?? []).map((word) =>
    word.startsWith('/') ? image.toHost(word) : word,
  )
  if (command === undefined) throw new Error('image has no health check')
  const result = await runProcess(command, args, {
    env: { ...image.hostEnv, ...env },
    timeoutMs: 30_000,
    ...(runAs ?? {}),
  })
  return result.code
}

async function du(path: string): Promise<number> {
  const info = await lstat(path)
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(path)) total += await du(join(path, entry))
  return total
}

describe('the image, built from deploy/Dockerfile in a clean copy', () => {
  it('holds only what weft-server needs at run time', async () => {
    const app = image.toHost('/app')
    const modules = join(app, 'node_modules')
    // Run-time dependencies are there, and linked workspaces resolve.
    for (const name of ['classic-level', 'ws', 'yjs', 'pino', 'jose', 'prom-client']) {
      expect(existsSync(join(modules, name, 'package.json')), name).toBe(true)
    }
    expect((await stat(join(modules, '@weft/sync-server/dist/index.js'))).isFile()).toBe(true)
    expect((await stat(join(modules, '@weft/awareness/dist/index.js'))).isFile()).toBe(true)
    expect((await stat(join(modules, '@weft/schema/dist/index.js'))).isFile()).toBe(true)
    // No dev tools, test tools, editor or other workspaces' dependencies.
    for (const name of [
      'typescript',
      'vitest',
      'turbo',
      'vite',
      '@biomejs/biome',
      'y-websocket',
      'prosemirror-commands',
      'y-indexeddb',
      '@playwright/test',
      'kubernetes-models',
      '@weft/editor',
    ]) {
      expect(existsSync(join(modules, name)), `${name} must not be in the image`).toBe(false)
    }
    expect(await readdir(join(modules, 'classic-level/prebuilds'))).toEqual(
      expect.arrayContaining(['linux-x64', 'linux-arm64']),
    )
    expect(
      (await readdir(join(modules, 'classic-level/prebuilds'))).every((d) =>
        d.startsWith('linux-'),
      ),
    ).toBe(true)
    // No sources or tests: only built output.
    expect(existsSync(join(app, 'apps/sync-server/src'))).toBe(false)
    expect(existsSync(join(app, 'apps/editor/src'))).toBe(false)
    expect(await readdir(app)).toEqual(expect.arrayContaining(['apps', 'packages', 'node_modules']))
    expect(existsSync(join(app, 'apps/editor/dist/app/index.html'))).toBe(true)
    const sizes = {
      app: await du(app),
      nodeModules: await du(modules),
      webApp: await du(join(app, 'apps/editor/dist/app')),
    }
    console.info(
      `image: /app is ${(sizes.app / 2 ** 20).toFixed(1)} MiB (node_modules ${(sizes.nodeModules / 2 ** 20).toFixed(1)} MiB, web app ${(sizes.webApp / 2 ** 20).toFixed(1)} MiB) on top of the base image`,
    )
    // Regression guard: production dependencies are about 20 MiB today.
    expect(sizes.app).toBeLessThan(60 * 2 ** 20)
  })

  it('starts with the image environment, serves, syncs, stores in /data and stops cleanly on SIGTERM', async () => {
    // Like `docker run -e WEFT_PORT=0`: a free port instead of the image's fixed 1234.
    const server = runContainer({ WEFT_PORT: '0' })
    const port = await server.waitForLine(listeningPort, 'weft-server listening')
    const base = `http://127.0.0.1:${port}`
    const listening = server.output.stdout.split('\n').find((l) => listeningPort(l) === port) ?? ''
    expect(JSON.parse(listening)).toMatchObject({
      host: '0.0.0.0',
      storage: 'leveldb',
      dataDir: image.toHost('/data'),
    })

    expect(await httpGet(`${base}/healthz`)).toMatchObject({ status: 200 })
    expect(await httpGet(`${base}/readyz`)).toMatchObject({ status: 200 })
    const page: HttpResponse = await httpGet(`${base}/`)
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Weft</title>')
    expect(await healthcheck({ WEFT_PORT: String(port) })).toBe(0)

    const wsUrl = `ws://127.0.0.1:${port}`
    const writer = connectClient(cleanup, wsUrl, 'image-check')
    const reader = connectClient(cleanup, wsUrl, 'image-check')
    await Promise.all([synced(writer), synced(reader)])
    writer.doc.getMap('marks').set('from-writer', true)
    await until(
      () => marks(reader.doc).includes('from-writer'),
      [reader.doc],
      'reader sees the edit',
    )
    writer.destroy()
    reader.destroy()

    // LevelDB lives in the volume, written by the image's user.
    const data = image.toHost('/data')
    expect(await readdir(data)).toEqual(expect.arrayContaining(['CURRENT', 'LOCK']))
    if (runAs !== null) expect((await stat(join(data, 'CURRENT'))).uid).toBe(runAs.uid)

    expect(await server.stop('SIGTERM', 30_000)).toEqual({ code: 0, signal: null })
    expect(await healthcheck({ WEFT_PORT: String(port) })).toBe(1)

    // Started again on the same volume: the document is there.
    const again = runContainer({ WEFT_PORT: '0' })
    const port2 = await again.waitForLine(listeningPort, 'weft-server listening (restart)')
    const later = connectClient(cleanup, `ws://127.0.0.1:${port2}`, 'image-check')
    await synced(later)
    expect(marks(later.doc)).toEqual(['from-writer'])
    later.destroy()
    expect(await again.stop('SIGTERM', 30_000)).toEqual({ code: 0, signal: null })
  })

  it('answers --help, mints a token and refuses a bad setting with exit code 2, like `docker run weft …`', async () => {
    const [command] = image.config.entrypoint ?? []
    const options = {
      cwd: image.toHost(image.config.workdir),
      env: { ...image.hostEnv },
      timeoutMs: 30_000,
      ...(runAs ?? {}),
    }
    const help = await runProcess(command as string, ['--help'], options)
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('WEFT_DATA_DIR')
    const bad = await runProcess(command as string, [], {
      ...options,
      env: { ...options.env, WEFT_PORT: 'eighty' },
    })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/WEFT_PORT must be an integer/)
    const token = await runProcess(
      command as string,
      ['token', '--doc', 'notes', '--access', 'write', '--user', 'alice'],
      { ...options, env: { ...options.env, WEFT_AUTH_SECRET: 's'.repeat(40) } },
    )
    expect(token.code).toBe(0)
    expect(token.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })
})

// The clean copy really is clean: nothing built or installed comes from the working tree.
describe('the build context', () => {
  it('is made from tracked files only, less .dockerignore', async () => {
    const dir = await tempDir(cleanup, 'weft-context-')
    const { copied, excluded } = await createBuildContext(dir)
    expect(copied).toContain('deploy/Dockerfile')
    expect(copied).toContain('package-lock.json')
    expect(copied.some((f) => f.includes('node_modules/') || f.includes('/dist/'))).toBe(false)
    expect(excluded.every((f) => existsSync(join(REPO_ROOT, f)))).toBe(true)
  })
})
