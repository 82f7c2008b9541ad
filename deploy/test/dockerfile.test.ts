/**
 * deploy/Dockerfile and .dockerignore, read as Docker reads them: the image's settings
 * (user, volume, health check, entry point, environment) and what goes into the runtime
 * stage. build-steps.test.ts then executes the same plan.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dockerignoreMatcher, REPO_ROOT } from './support/build-context.js'
import {
  type CopyStep,
  DockerfilePlanError,
  parseDockerfile,
  type Stage,
} from './support/dockerfile-plan.js'
import { serverEnvProblems } from './support/server-options.js'

const plan = parseDockerfile(readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8'))
const stage = (name: string): Stage => {
  const found = plan.stages.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no stage ${name}`)
  return found
}
const runtime = plan.stages.at(-1) as Stage
const copies = (s: Stage): CopyStep[] => s.steps.filter((x): x is CopyStep => x.kind === 'COPY')

describe('deploy/Dockerfile', () => {
  it('has build, deps and runtime stages on one pinned Debian slim Node 20 image', () => {
    expect(plan.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime'])
    const bases = new Set(plan.stages.map((s) => s.base))
    expect(bases.size).toBe(1)
    const [base] = [...bases]
    // A tag naming the major version and the Debian release, never `latest`.
    expect(base).toMatch(/^node:20(\.\d+){0,2}-bookworm-slim(@sha256:[0-9a-f]{64})?$/)
  })

  it('runs as a numeric non-root user with a /data volume it owns', () => {
    const { user, volumes } = runtime.config
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/)
    expect(volumes).toEqual(['/data'])
    const dataCopy = copies(runtime).find((c) => c.dest === '/data')
    expect(dataCopy?.chown, 'the /data directory is created owned by the runtime user').toBe(user)
  })

  it('configures the server by environment: all interfaces, /data, the bundled web app', () => {
    const { env } = runtime.config
    expect(env.WEFT_HOST).toBe('0.0.0.0')
    expect(env.WEFT_DATA_DIR).toBe('/data')
    expect(env.NODE_ENV).toBe('production')
    expect(runtime.config.exposedPorts).toEqual([env.WEFT_PORT])
    const app = copies(runtime).find((c) => c.dest === env.WEFT_STATIC_DIR?.replace(/^\/app\//, ''))
    expect(app, 'WEFT_STATIC_DIR is where the editor app is copied').toMatchObject({
      from: 'build',
      sources: ['/src/apps/editor/dist/app'],
    })
    const weftEnv = Object.fromEntries(
      Object.entries(env).filter(([k]) => k.startsWith('WEFT_')),
    ) as Record<string, string>
    expect(serverEnvProblems(weftEnv)).toEqual([])
  })

  it('starts weft-server in exec form, stops on SIGTERM, checks /healthz with node', () => {
    expect(runtime.config.entrypoint).toEqual(['weft-server'])
    expect(runtime.config.cmd).toBeNull()
    expect(runtime.config.stopSignal).toBe('SIGTERM')
    expect(runtime.config.env.PATH?.split(':')[0]).toBe('/app/node_modules/.bin')
    const healthcheck = runtime.config.healthcheck
    expect(healthcheck?.command).toEqual(['node', '/app/healthcheck.mjs'])
    expect(copies(runtime)).toContainEqual(
      expect.objectContaining({ sources: ['deploy/healthcheck.mjs'], dest: './', from: null }),
    )
    expect(healthcheck?.options).toMatchObject({ interval: '15s', timeout: '5s', retries: '3' })
  })

  it('puts only run-time files in the runtime stage: production deps and built output', () => {
    const sources = copies(runtime).flatMap((c) =>
      c.sources.map((s) => `${c.from ?? 'context'}:${s}`),
    )
    expect(sources.sort()).toEqual(
      [
        'build:/src/apps/editor/dist/app',
        'build:/src/apps/sync-server/bin',
        'build:/src/apps/sync-server/dist',
        'build:/src/apps/sync-server/package.json',
        'build:/src/packages/awareness/dist',
        'build:/src/packages/awareness/package.json',
        'build:/src/packages/schema/dist',
        'build:/src/packages/schema/package.json',
        'context:deploy/healthcheck.mjs',
        'deps:/app/data',
        'deps:/app/node_modules',
      ].sort(),
    )
    expect(runtime.steps.filter((s) => s.kind === 'RUN')).toEqual([])
    const npmCi = stage('deps').steps.find(
      (s) => s.kind === 'RUN' && s.command.startsWith('npm ci'),
    )
    expect(npmCi).toMatchObject({ command: expect.stringContaining('--omit=dev') })
    expect(npmCi).toMatchObject({
      command: expect.stringContaining('--workspace=@weft/sync-server'),
    })
  })

  it('keeps RUN commands relative to their WORKDIR (what the build-steps test can execute)', () => {
    for (const s of plan.stages) {
      for (const step of s.steps) {
        if (step.kind !== 'RUN') continue
        expect(step.command, `line ${step.line}`).not.toMatch(/(^|[\s=])\/(src|app|data|root)\b/)
      }
    }
  })
})

describe('.dockerignore', () => {
  const ignored = dockerignoreMatcher(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'))

  it.each([
    '.git/config',
    'node_modules/yjs/package.json',
    'apps/sync-server/node_modules/x/index.js',
    'apps/sync-server/dist/cli/main.js',
    'apps/editor/dist/app/index.html',
    'data/CURRENT',
    'apps/editor/.dev-data/LOG',
    '.turbo/cache/x',
    '.env',
    '.env.production',
    'deploy/tls/server.key',
  ])('leaves out %s', (path) => {
    expect(ignored(path)).toBe(true)
  })

  it.each([
    'package.json',
    'package-lock.json',
    '.npmrc',
    'turbo.json',
    'apps/sync-server/src/server.ts',
    'apps/sync-server/bin/weft-server.js',
    'apps/editor/src/app/index.html',
    'deploy/healthcheck.mjs',
  ])('keeps %s', (path) => {
    expect(ignored(path)).toBe(false)
  })
})

describe('parseDockerfile', () => {
  it('expands build arguments and earlier ENV values', () => {
    const parsed = parseDockerfile(
      'ARG BASE=node:20-bookworm-slim\nFROM ${BASE} AS a\nENV A=/x PATH=/bin/$A:$PATH\nWORKDIR $A\n',
    )
    const only = parsed.stages[0] as Stage
    expect(only.base).toBe('node:20-bookworm-slim')
    expect(only.config.env.PATH).toBe(
      '/bin//x:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    )
    expect(only.config.workdir).toBe('/x')
  })

  it.each([
    ['FROM a AS b\nADD x /y\n', /line 2 \(ADD\): not supported/],
    ['FROM a AS b\nENTRYPOINT weft-server\n', /exec \(JSON array\) form/],
    ['FROM a AS b\nRUN ["npm", "ci"]\n', /shell form/],
    ['FROM a AS b\nRUN --network=none npm ci\n', /--network is not supported/],
    ['FROM a AS b\nCOPY --from=c /x /y\n', /no earlier stage c/],
    ['FROM ${MISSING} AS b\n', /\$MISSING is not defined/],
    ['FROM a\n', /expected FROM image AS name/],
    ['FROM a AS b\nHEALTHCHECK CMD node check.mjs\n', /HEALTHCHECK must be/],
  ])('refuses %j', (text, message) => {
    expect(() => parseDockerfile(text)).toThrow(DockerfilePlanError)
    expect(() => parseDockerfile(text)).toThrow(message)
  })
})
