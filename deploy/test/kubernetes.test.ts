/**
 * deploy/kubernetes: every manifest validated against the Kubernetes schemas and types
 * (kubernetes-models), then checked as a whole: selectors match the pod labels, the probes
 * hit routes a real weft-server answers, the volume claim is mounted where the image keeps
 * its data, and the cluster settings name every pod the StatefulSet creates.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { REPO_ROOT } from './support/build-context.js'
import { Cleanup, tempDir } from './support/cleanup.js'
import { parseDockerfile, type Stage } from './support/dockerfile-plan.js'
import { httpGet } from './support/http.js'
import {
  loadManifests,
  type Manifest,
  parseManifests,
  schemaProblems,
  typeProblems,
} from './support/kubernetes.js'
import { serverConfig, serverEnvProblems } from './support/server-options.js'
import { startWeftNode } from './support/weft-nodes.js'

const DIR = join(REPO_ROOT, 'deploy/kubernetes')
const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))
const manifests = loadManifests(DIR, kustomization.resources)
const image = parseDockerfile(readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8')).stages.at(
  -1,
) as Stage

const one = (kind: string, predicate: (m: Manifest) => boolean = () => true): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && predicate(m))
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`)
  return found[0] as Manifest
}
const statefulSet = one('StatefulSet')
const podSpec = statefulSet.body.spec.template.spec
const podLabels: Record<string, string> = statefulSet.body.spec.template.metadata.labels
const container = podSpec.containers[0]
const headless = one('Service', (m) => m.body.spec.clusterIP === 'None')
const clientService = one('Service', (m) => m.body.spec.clusterIP !== 'None')

/** Every label of `selector` is on the pods. */
const selects = (selector: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v)

const cleanup = new Cleanup()
afterAll(() => cleanup.run())

describe('deploy/kubernetes', () => {
  it('lists every manifest of the directory in kustomization.yaml', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    expect([...kustomization.resources].sort()).toEqual(files.sort())
    expect(manifests.map((m) => `${m.apiVersion} ${m.kind}`).sort()).toEqual(
      [
        'apps/v1 StatefulSet',
        'policy/v1 PodDisruptionBudget',
        'v1 ConfigMap',
        'v1 Service',
        'v1 Service',
      ].sort(),
    )
    // kustomize's `images` rewrites the container image by name.
    expect(kustomization.images.map((i: { name: string }) => i.name)).toEqual([container.image])
  })

  it('matches the Kubernetes schemas (kubernetes-models validators)', () => {
    expect(manifests.flatMap(schemaProblems)).toEqual([])
  })

  it('has no unknown or mistyped fields (kubernetes-models types)', () => {
    expect(typeProblems(manifests)).toEqual([])
  })

  it('selects the StatefulSet pods from every service and the PodDisruptionBudget', () => {
    expect(selects(statefulSet.body.spec.selector.matchLabels)).toBe(true)
    expect(selects(headless.body.spec.selector)).toBe(true)
    expect(selects(clientService.body.spec.selector)).toBe(true)
    const pdb = one('PodDisruptionBudget')
    expect(selects(pdb.body.spec.selector.matchLabels)).toBe(true)
    expect(pdb.body.spec.maxUnavailable).toBe(1)
  })

  it('gives each pod a stable name through a headless service that lists unready pods', () => {
    expect(statefulSet.body.spec.serviceName).toBe(headless.name)
    expect(headless.body.spec.publishNotReadyAddresses).toBe(true)
    const portNames = container.ports.map((p: { name: string }) => p.name)
    for (const service of [headless, clientService]) {
      for (const port of service.body.spec.ports) expect(portNames).toContain(port.targetPort)
    }
    expect(container.ports).toEqual([
      { name: 'http', containerPort: Number(image.config.env.WEFT_PORT) },
    ])
  })

  it('mounts a volume claim per pod where the image keeps its data', () => {
    const [claim] = statefulSet.body.spec.volumeClaimTemplates
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce'])
    expect(claim.spec.resources.requests.storage).toMatch(/^\d+(Mi|Gi|Ti)$/)
    const mount = container.volumeMounts.find(
      (m: { name: string }) => m.name === claim.metadata.name,
    )
    expect(mount.mountPath).toBe(image.config.volumes[0])
  })

  it("runs as the image's non-root user with a read-only root file system", () => {
    const [uid, gid] = (image.config.user ?? '').split(':').map(Number)
    expect(podSpec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: gid,
      fsGroup: gid,
    })
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
  })

  it('names every pod in the cluster node list and gives the pod its own id', () => {
    const env = Object.fromEntries(container.env.map((e: { name: string }) => [e.name, e]))
    expect(env.WEFT_NODE_ID.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } })
    const ref = env.WEFT_CLUSTER_NODES.valueFrom.configMapKeyRef
    const configMap = one('ConfigMap', (m) => m.name === ref.name)
    const list: string = configMap.body.data[ref.key]
    const pods = Array.from(
      { length: statefulSet.body.spec.replicas },
      (_, i) => `${statefulSet.name}-${i}`,
    )
    expect(list.split(',')).toEqual(
      pods.map((pod) => `${pod}=http://${pod}.${headless.name}:${image.config.env.WEFT_PORT}`),
    )
    expect(env.WEFT_CLUSTER_SECRET.valueFrom.secretKeyRef).toMatchObject({ name: 'weft-secrets' })
    expect(env.WEFT_CLUSTER_SECRET.valueFrom.secretKeyRef.optional).toBeUndefined()
  })

  it('sets only valid server options (image environment + pod environment)', () => {
    const resolved: Record<string, string> = {}
    for (const [k, v] of Object.entries(image.config.env))
      if (k.startsWith('WEFT_')) resolved[k] = v
    for (const entry of container.env) {
      // What Kubernetes fills in: the first pod's name, the ConfigMap's value, a secret.
      const from = entry.valueFrom
      resolved[entry.name] =
        entry.value ??
        (from.fieldRef
          ? `${statefulSet.name}-0`
          : from.configMapKeyRef
            ? one('ConfigMap', (m) => m.name === from.configMapKeyRef.name).body.data[
                from.configMapKeyRef.key
              ]
            : // A distinct stand-in per secret (the server refuses equal cluster and auth secrets).
              `${from.secretKeyRef.key}-`.padEnd(48, 's'))
    }
    expect(serverEnvProblems(resolved)).toEqual([])
    const { shutdownTimeoutMs } = serverConfig(resolved)
    expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownTimeoutMs)
  })

  it('probes routes that a real weft-server answers with 200 on the container port', async () => {
    const node = await startWeftNode(cleanup, ['--port', '0', '--data-dir', await tempDir(cleanup)])
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map(
      (name) => container[name],
    )
    expect(probes.map((p) => p.httpGet.path)).toEqual(['/healthz', '/healthz', '/readyz'])
    for (const probe of probes) {
      expect(probe.httpGet.port).toBe('http')
      expect((await httpGet(`${node.httpUrl}${probe.httpGet.path}`)).status).toBe(200)
    }
    expect(await node.process.stop()).toEqual({ code: 0, signal: null })
  })
})

describe('docs/DEPLOYMENT.md', () => {
  const guide = readFileSync(join(REPO_ROOT, 'docs/DEPLOYMENT.md'), 'utf8')
  const examples = [...guide.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) =>
    parseManifests('docs/DEPLOYMENT.md', m[1] as string),
  )

  it('shows an Ingress that is valid and reaches the weft service by its port name', () => {
    const ingress = examples.find((m) => m.kind === 'Ingress') as Manifest
    expect(examples.flatMap(schemaProblems)).toEqual([])
    expect(typeProblems(examples)).toEqual([])
    const backend = ingress.body.spec.rules[0].http.paths[0].backend.service
    expect(backend.name).toBe(clientService.name)
    expect(clientService.body.spec.ports.map((p: { name: string }) => p.name)).toContain(
      backend.port.name,
    )
  })

  it('names the Secret keys the StatefulSet reads', () => {
    const keys = container.env
      .filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef)
      .map(
        (e: { valueFrom: { secretKeyRef: { name: string; key: string } } }) =>
          e.valueFrom.secretKeyRef,
      )
    for (const { name, key } of keys) {
      expect(guide).toContain(`kubectl create secret generic ${name}`)
      expect(guide).toContain(`--from-literal=${key}=`)
    }
  })
})

describe('the manifest checks themselves', () => {
  it('report a schema violation and an unknown field', () => {
    const broken: Manifest = {
      ...statefulSet,
      body: { ...statefulSet.body, spec: { ...statefulSet.body.spec, replicas: 'three' } },
    }
    expect(schemaProblems(broken).join('\n')).toMatch(/replicas must be integer/)
    const misspelt: Manifest = {
      ...statefulSet,
      body: {
        ...statefulSet.body,
        spec: {
          ...statefulSet.body.spec,
          template: {
            ...statefulSet.body.spec.template,
            spec: { ...podSpec, terminationGracePeriod: 30 },
          },
        },
      },
    }
    expect(typeProblems([misspelt]).join('\n')).toMatch(/terminationGracePeriod/)
  })
})
