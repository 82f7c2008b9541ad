/**
 * Kubernetes manifests checked without a cluster: every YAML document is validated with
 * kubernetes-models (the Kubernetes OpenAPI schemas compiled to validators: required
 * fields, types, formats), and type-checked against the same package's TypeScript types,
 * which catches unknown fields the way `kubectl apply`'s strict field validation does.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { parseAllDocuments } from 'yaml'

/** One manifest document and where it came from. */
export interface Manifest {
  readonly file: string
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  // biome-ignore lint/suspicious/noExplicitAny: a manifest is whatever the YAML says; tests narrow it.
  readonly body: any
}

/** The kinds these manifests may use: model module (for validation) and type name. */
const KINDS: Readonly<Record<string, { module: string; type: string }>> = {
  'apps/v1 StatefulSet': { module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'v1 Service': { module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1 ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'networking.k8s.io/v1 Ingress': {
    module: 'kubernetes-models/networking.k8s.io/v1/Ingress',
    type: 'IIngress',
  },
  'policy/v1 PodDisruptionBudget': {
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
}

const require = createRequire(import.meta.url)

/** Parse every document of the given files (YAML errors throw, naming the file). */
export function loadManifests(dir: string, files: readonly string[]): Manifest[] {
  return files.flatMap((file) => parseManifests(file, readFileSync(join(dir, file), 'utf8')))
}

/** Parse every document of a YAML text; `file` names it in messages. */
export function parseManifests(file: string, text: string): Manifest[] {
  const manifests: Manifest[] = []
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`)
    }
    const body = document.toJS()
    if (body === null) continue
    manifests.push({
      file,
      apiVersion: body.apiVersion,
      kind: body.kind,
      name: body.metadata?.name,
      body,
    })
  }
  return manifests
}

/** Schema problems of one manifest (empty when valid), via kubernetes-models. */
export function schemaProblems(manifest: Manifest): string[] {
  const key = `${manifest.apiVersion} ${manifest.kind}`
  const kind = KINDS[key]
  if (kind === undefined) return [`${manifest.file}: ${key} is not a kind these checks know`]
  const models = require(kind.module) as Record<string, new (data: unknown) => { validate(): void }>
  const Model = models[manifest.kind]
  if (Model === undefined) return [`${kind.module} has no ${manifest.kind}`]
  try {
    new Model(manifest.body).validate()
    return []
  } catch (error) {
    return [`${manifest.file} ${key} ${manifest.name}: ${(error as Error).message}`]
  }
}

/**
 * Unknown fields and wrong types, found by type-checking each manifest as an object literal
 * of its kubernetes-models interface (excess property checks). Resolves to one line per
 * TypeScript diagnostic; empty when every manifest fits its type.
 */
export function typeProblems(manifests: readonly Manifest[]): string[] {
  // A virtual file beside this one, so the package resolves from this workspace.
  const fileName = fileURLToPath(new URL('./__manifests__.ts', import.meta.url))
  const lines: string[] = []
  const imported = new Set<string>()
  manifests.forEach((manifest, index) => {
    const kind = KINDS[`${manifest.apiVersion} ${manifest.kind}`]
    if (kind === undefined) return
    if (!imported.has(kind.module)) {
      lines.unshift(`import type { ${kind.type} } from '${kind.module}'`)
      imported.add(kind.module)
    }
    lines.push(`// ${manifest.file}: ${manifest.kind} ${manifest.name}`)
    lines.push(`export const m${index}: ${kind.type} = ${JSON.stringify(manifest.body, null, 2)}`)
  })
  const source = `${lines.join('\n')}\n`
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest)
  host.fileExists = (name) => name === fileName || fileExists(name)
  const program = ts.createProgram([fileName], options, host)
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where =
      d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null
    const context = where === null ? '' : ` near: ${source.split('\n')[where.line]?.trim() ?? ''}`
    return `${ts.flattenDiagnosticMessageText(d.messageText, ' ')}${context}`
  })
}
