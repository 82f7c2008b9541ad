/**
 * A Dockerfile as a typed plan: its stages and their steps, with build arguments and
 * environment variables expanded as Docker expands them. Pure (text in, plan out); parsing
 * is dockerfile-ast's (the parser of the VS Code Docker tools).
 *
 * Only the instructions the image builder in this directory can carry out are accepted;
 * anything else is an error naming the line, so the Dockerfile cannot drift away from
 * what the build-steps test executes.
 */
import {
  type Copy,
  DockerfileParser,
  type Env,
  type Healthcheck,
  type Instruction,
  type JSONInstruction,
  type Run,
} from 'dockerfile-ast'

/** `COPY [--from=stage] [--chown=u:g] src… dest`. */
export interface CopyStep {
  readonly kind: 'COPY'
  readonly line: number
  readonly sources: readonly string[]
  readonly dest: string
  /** Earlier stage to copy from; null for the build context. */
  readonly from: string | null
  readonly chown: string | null
}

/** `RUN [--mount=type=cache,target=…] command` (shell form). */
export interface RunStep {
  readonly kind: 'RUN'
  readonly line: number
  readonly command: string
  /** Targets of `--mount=type=cache` (kept between builds, not part of the image). */
  readonly cacheTargets: readonly string[]
}

/** `ENV k=v …`, expanded against the environment before it. */
export interface EnvStep {
  readonly kind: 'ENV'
  readonly line: number
  readonly values: Readonly<Record<string, string>>
}

/** `WORKDIR path` (absolute after expansion). */
export interface WorkdirStep {
  readonly kind: 'WORKDIR'
  readonly line: number
  readonly path: string
}

/** A step that changes the stage's file system or environment. */
export type Step = CopyStep | RunStep | EnvStep | WorkdirStep

/** The image settings of a stage (what `docker inspect` would show of it). */
export interface ImageConfig {
  readonly env: Readonly<Record<string, string>>
  readonly workdir: string
  readonly user: string | null
  readonly volumes: readonly string[]
  readonly exposedPorts: readonly string[]
  readonly entrypoint: readonly string[] | null
  readonly cmd: readonly string[] | null
  readonly stopSignal: string | null
  readonly healthcheck: {
    readonly command: readonly string[]
    readonly options: Readonly<Record<string, string>>
  } | null
}

/** One `FROM … AS name` and what follows it. */
export interface Stage {
  readonly name: string
  /** The base image reference, build arguments expanded. */
  readonly base: string
  readonly steps: readonly Step[]
  readonly config: ImageConfig
}

/** The whole Dockerfile. */
export interface DockerfilePlan {
  /** Build arguments declared before the first FROM, with their defaults. */
  readonly args: Readonly<Record<string, string>>
  readonly stages: readonly Stage[]
}

/** The environment every stage starts with: the official node images' PATH. */
export const BASE_IMAGE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
}

/** A Dockerfile construct the plan does not support, or a malformed instruction. */
export class DockerfilePlanError extends Error {}

/**
 * Parse a Dockerfile into stages and steps.
 *
 * @throws {DockerfilePlanError} naming the line, for unsupported or malformed instructions.
 * @example
 * const plan = parseDockerfile(readFileSync('deploy/Dockerfile', 'utf8'))
 * plan.stages.at(-1)?.config.entrypoint // ['weft-server']
 */
export function parseDockerfile(text: string): DockerfilePlan {
  const dockerfile = DockerfileParser.parse(text)
  const args: Record<string, string> = {}
  const stages: Stage[] = []
  let current: MutableStage | null = null

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword()
    const line = instruction.getRange().start.line + 1
    const fail = (why: string): never => {
      throw new DockerfilePlanError(`Dockerfile line ${line} (${keyword}): ${why}`)
    }
    if (keyword === 'ARG') {
      if (current !== null) fail('ARG inside a stage is not supported by the image builder')
      for (const arg of instruction.getArguments()) {
        const [name, ...rest] = arg.getValue().split('=')
        if (name === undefined || rest.length === 0) fail('ARG needs a default value')
        args[name as string] = rest.join('=')
      }
      continue
    }
    if (keyword === 'FROM') {
      if (current !== null) stages.push(freeze(current))
      const words = instruction.getArguments().map((a) => a.getValue())
      if (words.length !== 3 || words[1]?.toUpperCase() !== 'AS')
        fail('expected FROM image AS name')
      const base = expand(words[0] as string, args, fail)
      const name = words[2] as string
      if (stages.some((s) => s.name === name)) fail(`stage ${name} is defined twice`)
      if (stages.some((s) => s.name === base)) fail('FROM an earlier stage is not supported')
      current = newStage(name, base)
      continue
    }
    if (current === null) fail('instruction before the first FROM')
    const stage = current as MutableStage
    switch (keyword) {
      case 'ENV': {
        const values: Record<string, string> = {}
        for (const property of (instruction as Env).getProperties()) {
          const raw = property.getValue()
          if (raw === null) fail(`ENV ${property.getName()} has no value`)
          values[property.getName()] = expand(raw as string, { ...stage.env, ...values }, fail)
        }
        Object.assign(stage.env, values)
        stage.steps.push({ kind: 'ENV', line, values })
        break
      }
      case 'WORKDIR': {
        const path = expand(single(instruction, fail), stage.env, fail)
        const absolute = path.startsWith('/') ? path : `${stage.workdir.replace(/\/$/, '')}/${path}`
        stage.workdir = absolute
        stage.steps.push({ kind: 'WORKDIR', line, path: absolute })
        break
      }
      case 'COPY': {
        const copy = instruction as Copy
        const words = copy.getArguments().map((a) => expand(a.getValue(), stage.env, fail))
        if (words.length < 2) fail('COPY needs a source and a destination')
        if (copy.getHeredocs().length > 0) fail('COPY heredocs are not supported')
        const flags = flagValues(copy, ['from', 'chown'], fail)
        const from = flags.from ?? null
        if (from !== null && !stages.some((s) => s.name === from)) fail(`no earlier stage ${from}`)
        stage.steps.push({
          kind: 'COPY',
          line,
          sources: words.slice(0, -1),
          dest: words.at(-1) as string,
          from,
          chown: flags.chown ?? null,
        })
        break
      }
      case 'RUN': {
        const run = instruction as Run
        if (run.getHeredocs().length > 0) fail('RUN heredocs are not supported')
        const command = run.getArgumentsContent()
        if (command === null || command.trim().startsWith('[')) fail('RUN must use shell form')
        const cacheTargets: string[] = []
        for (const flag of run.getFlags()) {
          if (flag.getName() !== 'mount') fail(`RUN --${flag.getName()} is not supported`)
          const options = Object.fromEntries(
            flag.getOptions().map((o) => [o.getName(), o.getValue() ?? '']),
          )
          if (options.type !== 'cache' || !options.target) {
            fail('only RUN --mount=type=cache,target=… is supported')
          }
          cacheTargets.push(options.target as string)
        }
        stage.steps.push({ kind: 'RUN', line, command: command as string, cacheTargets })
        break
      }
      case 'USER':
        stage.user = expand(single(instruction, fail), stage.env, fail)
        break
      case 'VOLUME':
        stage.volumes.push(...execForm(instruction as JSONInstruction, fail))
        break
      case 'EXPOSE':
        stage.exposedPorts.push(...instruction.getArguments().map((a) => a.getValue()))
        break
      case 'STOPSIGNAL':
        stage.stopSignal = single(instruction, fail)
        break
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(instruction as JSONInstruction, fail)
        break
      case 'CMD':
        stage.cmd = execForm(instruction as JSONInstruction, fail)
        break
      case 'HEALTHCHECK': {
        const healthcheck = instruction as Healthcheck
        const content = healthcheck.getArgumentsContent() ?? ''
        const match = /^CMD\s+(\[.*\])\s*$/s.exec(content)
        if (match === null) fail('HEALTHCHECK must be `CMD ["exec", "form"]`')
        const command = parseJsonArray(match?.[1] as string, fail)
        const options = flagValues(
          healthcheck,
          ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
          fail,
        )
        stage.healthcheck = { command, options }
        break
      }
      case 'LABEL':
        break
      default:
        fail('not supported by the image builder (deploy/test/support/image-builder.ts)')
    }
  }
  if (current !== null) stages.push(freeze(current))
  if (stages.length === 0) throw new DockerfilePlanError('Dockerfile has no FROM')
  return { args, stages }
}

interface MutableStage {
  name: string
  base: string
  steps: Step[]
  env: Record<string, string>
  workdir: string
  user: string | null
  volumes: string[]
  exposedPorts: string[]
  entrypoint: string[] | null
  cmd: string[] | null
  stopSignal: string | null
  healthcheck: ImageConfig['healthcheck']
}

function newStage(name: string, base: string): MutableStage {
  return {
    name,
    base,
    steps: [],
    env: { ...BASE_IMAGE_ENV },
    workdir: '/',
    user: null,
    volumes: [],
    exposedPorts: [],
    entrypoint: null,
    cmd: null,
    stopSignal: null,
    healthcheck: null,
  }
}

function freeze(stage: MutableStage): Stage {
  const { name, base, steps, ...config } = stage
  return { name, base, steps, config }
}

/** `$NAME` and `${NAME}` from `values`; other `${…}` forms are refused. */
export function expand(
  text: string,
  values: Readonly<Record<string, string>>,
  fail: (why: string) => never,
): string {
  return text.replace(
    /\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? ''
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return fail(`unsupported expansion \${${name}}`)
      const value = values[name]
      return value === undefined ? fail(`$${name} is not defined`) : value
    },
  )
}

function single(instruction: Instruction, fail: (why: string) => never): string {
  const words = instruction.getArguments()
  if (words.length !== 1) fail('expected exactly one argument')
  return (words[0] as { getValue(): string }).getValue()
}

function execForm(instruction: JSONInstruction, fail: (why: string) => never): string[] {
  const content = instruction.getArgumentsContent() ?? ''
  if (!content.trim().startsWith('[')) fail('must use the exec (JSON array) form')
  return parseJsonArray(content, fail)
}

function parseJsonArray(text: string, fail: (why: string) => never): string[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail(`not a JSON array: ${text}`)
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string') || value.length === 0) {
    return fail(`expected a non-empty JSON array of strings: ${text}`)
  }
  return value
}

function flagValues(
  instruction: Copy | Healthcheck,
  allowed: readonly string[],
  fail: (why: string) => never,
): Record<string, string> {
  const values: Record<string, string> = {}
  for (const flag of instruction.getFlags()) {
    const name = flag.getName()
    if (!allowed.includes(name)) fail(`--${name} is not supported`)
    values[name] = flag.getValue() ?? ''
  }
  return values
}
