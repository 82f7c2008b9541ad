/**
 * deploy/compose.yaml and deploy/compose.cluster.yaml, loaded as `docker compose` loads them
 * (YAML merge keys, interpolation, the Compose Specification's schema), then checked
 * against the image (port, volume, health check), the server's option schema, each other
 * and the nginx configuration they mount.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './support/build-context.js'
import {
  type ComposeFile,
  ComposeSchemaError,
  type ComposeService,
  durationMs,
  loadComposeFile,
} from './support/compose-file.js'
import { parseDockerfile, type Stage } from './support/dockerfile-plan.js'
import { InterpolationError, interpolate } from './support/interpolate.js'
import { NGINX_DIR, upstreamServers } from './support/nginx.js'
import { serverConfig, serverEnvProblems } from './support/server-options.js'

const DEPLOY = join(REPO_ROOT, 'deploy')
const image = parseDockerfile(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')).stages.at(
  -1,
) as Stage
const IMAGE_PORT = image.config.env.WEFT_PORT as string
const SECRETS = {
  WEFT_CLUSTER_SECRET: 'c'.repeat(64),
  WEFT_AUTH_SECRET: 'a'.repeat(40),
  WEFT_ADMIN_KEY: 'k'.repeat(24),
}

/** What the server would see: the image's environment, then the service's. */
function serverEnv(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(image.config.env)) if (k.startsWith('WEFT_')) env[k] = v
  for (const [k, v] of Object.entries(service.environment ?? {}))
    env[k] = v === null ? '' : String(v)
  return env
}

/** Checks every service built from deploy/Dockerfile must pass. */
function expectWeftNode(file: ComposeFile, name: string): void {
  const service = file.services[name] as ComposeService
  expect(service.build, name).toBeDefined()
  const context = resolve(DEPLOY, service.build?.context ?? '.')
  expect(context).toBe(resolve(REPO_ROOT))
  expect(existsSync(join(context, service.build?.dockerfile ?? 'Dockerfile'))).toBe(true)
  expect(serverEnvProblems(serverEnv(service)), name).toEqual([])
  // The host the image sets (0.0.0.0) must not be narrowed, or nothing outside reaches it.
  expect(service.environment?.WEFT_HOST, name).toBeUndefined()
  // Its data in a named volume mounted where the image declares it.
  const mounts = (service.volumes ?? []).map((v) => v.split(':'))
  const data = mounts.find(([, target]) => target === image.config.volumes[0])
  expect(data, `${name} mounts a volume at /data`).toBeDefined()
  expect(Object.keys(file.volumes ?? {})).toContain(data?.[0])
  // The image's health check, not a different one.
  expect(service.healthcheck?.test).toEqual(['CMD', ...(image.config.healthcheck?.command ?? [])])
  expect(durationMs(service.healthcheck?.interval ?? '')).toBeGreaterThan(0)
  // Long enough for the server's own shutdown deadline (it stores every document first).
  const { shutdownTimeoutMs } = serverConfig(serverEnv(service))
  expect(durationMs(service.stop_grace_period ?? '10s')).toBeGreaterThan(shutdownTimeoutMs)
}

describe('deploy/compose.yaml (one node)', () => {
  const file = loadComposeFile(join(DEPLOY, 'compose.yaml'), {})

  it('is a valid compose file with one weft service built from deploy/Dockerfile', () => {
    expect(Object.keys(file.services)).toEqual(['weft'])
    expectWeftNode(file, 'weft')
  })

  it("publishes the image's port", () => {
    expect(file.services.weft?.ports).toEqual([`${IMAGE_PORT}:${IMAGE_PORT}`])
  })

  it('passes secrets from the environment through to valid server settings', () => {
    const withSecrets = loadComposeFile(join(DEPLOY, 'compose.yaml'), SECRETS)
    const env = serverEnv(withSecrets.services.weft as ComposeService)
    expect(env.WEFT_AUTH_SECRET).toBe(SECRETS.WEFT_AUTH_SECRET)
    expect(serverEnvProblems(env)).toEqual([])
  })
})

describe('deploy/compose.cluster.yaml (three nodes behind nginx)', () => {
  const path = join(DEPLOY, 'compose.cluster.yaml')
  const file = loadComposeFile(path, SECRETS)
  const nodes = Object.keys(file.services).filter((s) => s !== 'nginx')

  it('refuses to start without a cluster secret', () => {
    expect(() => loadComposeFile(path, {})).toThrow(InterpolationError)
    expect(() => loadComposeFile(path, {})).toThrow(/WEFT_CLUSTER_SECRET/)
  })

  it('has three weft nodes, each with its own volume, and nginx', () => {
    expect(nodes).toEqual(['weft-1', 'weft-2', 'weft-3'])
    for (const node of nodes) expectWeftNode(file, node)
    const volumes = nodes.map((n) => file.services[n]?.volumes?.[0]?.split(':')[0])
    expect(new Set(volumes).size).toBe(3)
    // Only the load balancer is published; nodes are reached through it.
    for (const node of nodes) expect(file.services[node]?.ports, node).toBeUndefined()
  })

  it('gives every node its own id and the same node list naming every node', () => {
    const lists = new Set(nodes.map((n) => file.services[n]?.environment?.WEFT_CLUSTER_NODES))
    expect(lists.size).toBe(1)
    const [list] = [...lists]
    const entries = String(list)
      .split(',')
      .map((entry) => entry.split('='))
    expect(entries.map(([id]) => id)).toEqual(nodes)
    for (const [id, url] of entries) {
      expect(url).toBe(`http://${id}:${IMAGE_PORT}`)
      expect(file.services[id as string]?.environment?.WEFT_NODE_ID).toBe(id)
    }
    for (const node of nodes) {
      expect(file.services[node]?.environment?.WEFT_CLUSTER_SECRET).toBe(
        SECRETS.WEFT_CLUSTER_SECRET,
      )
      // Everyone arrives from nginx's or a peer's address: the per-address cap must be high.
      expect(
        Number(file.services[node]?.environment?.WEFT_MAX_CONNECTIONS_PER_IP),
      ).toBeGreaterThanOrEqual(10_000)
    }
  })

  it("mounts the nginx configuration whose upstream lists exactly the cluster's nodes", () => {
    const nginx = file.services.nginx as ComposeService
    expect(nginx.image).toMatch(/^nginx:\d+\.\d+/)
    const mounts = Object.fromEntries(
      (nginx.volumes ?? []).map((v) => {
        const [source, target, mode] = v.split(':')
        expect(mode, v).toBe('ro')
        expect(existsSync(resolve(DEPLOY, source as string)), v).toBe(true)
        return [target, resolve(DEPLOY, source as string)]
      }),
    )
    expect(mounts).toEqual({
      '/etc/nginx/nginx.conf': join(NGINX_DIR, 'nginx.conf'),
      '/etc/nginx/conf.d/weft.conf': join(NGINX_DIR, 'weft.conf'),
    })
    const mainConf = readFileSync(join(NGINX_DIR, 'nginx.conf'), 'utf8')
    expect(mainConf).toContain('include /etc/nginx/conf.d/weft.conf;')
    const siteConf = readFileSync(join(NGINX_DIR, 'weft.conf'), 'utf8')
    expect(upstreamServers(siteConf).map((s) => `${s.host}:${s.port}`)).toEqual(
      nodes.map((n) => `${n}:${IMAGE_PORT}`),
    )
    // Published port → the port nginx listens on.
    const [published] = nginx.ports ?? []
    const containerPort = published?.split(':').at(-1)
    expect(siteConf).toMatch(new RegExp(`^\\s*listen ${containerPort};`, 'm'))
    expect(Object.keys(nginx.depends_on ?? {}).sort()).toEqual(nodes)
  })
})

describe('compose schema validation', () => {
  it('rejects a misspelt service field', () => {
    // The checks above mean something only if the schema rejects what compose rejects.
    const dir = join(REPO_ROOT, 'deploy', 'test', 'fixtures')
    expect(() => loadComposeFile(join(dir, 'compose.bad.yaml'), {})).toThrow(ComposeSchemaError)
    expect(() => loadComposeFile(join(dir, 'compose.bad.yaml'), {})).toThrow(
      /healthcheck.*interva/s,
    )
  })
})

describe('interpolate (compose variable syntax)', () => {
  const env = { SET: 'value', EMPTY: '' }
  it.each([
    ['plain $SET and ${SET}', 'plain value and value'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${SET:?needed}', 'value'],
    ['$$SET is literal', '$SET is literal'],
    ['$UNSET', ''],
  ])('%s', (text, expected) => {
    expect(interpolate(text, env)).toBe(expected)
  })

  it.each([
    ['${UNSET:?set it}', /required variable UNSET is missing a value: set it/],
    ['${EMPTY:?}', /required variable EMPTY/],
    ['${UNSET?}', /required variable UNSET/],
    ['${1BAD}', /invalid interpolation/],
    ['${UNSET:-${SET}}', /nested interpolation/],
  ])('%s fails', (text, message) => {
    expect(() => interpolate(text, env)).toThrow(message)
  })

  it('${EMPTY?} passes: set, even if empty', () => {
    expect(interpolate('${EMPTY?}', env)).toBe('')
  })
})
