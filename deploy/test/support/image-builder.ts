/**
 * Carries out a Dockerfile plan without Docker: each stage's file system is a directory,
 * COPY copies (from the build context or an earlier stage's directory), RUN runs the shell
 * command in the stage's WORKDIR with the stage's environment, ENV and WORKDIR change what
 * later steps see. The host stands in for the base image (Debian 12 with Node 20, as
 * node:20-bookworm-slim is): commands like `npm`, `node` and `find` are the host's.
 *
 * Container paths are mapped to the stage's directory when their first segment is a
 * directory the Dockerfile itself creates (WORKDIR, COPY destinations, volumes, cache
 * mounts: /src, /app, /data, /root); other paths (/usr/bin, …) are the base image's and
 * stay as they are. RUN commands must therefore refer to files relative to their WORKDIR.
 */
import { cp, lchown, lstat, mkdir, readdir, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  BASE_IMAGE_ENV,
  type DockerfilePlan,
  type ImageConfig,
  type Stage,
} from './dockerfile-plan.js'
import { runProcess } from './processes.js'

/** Where and how to build. */
export interface BuildOptions {
  /** The build context (already filtered by .dockerignore). */
  readonly context: string
  /** An empty directory; each stage gets a subdirectory. */
  readonly workDir: string
  /** Host directory behind every `RUN --mount=type=cache` (e.g. the npm cache). */
  readonly cacheDir: (target: string) => string
  /** Longest a single RUN may take. */
  readonly runTimeoutMs: number
  /** Progress lines (one per step). */
  readonly log: (line: string) => void
}

/** The final stage, built: its directory and its image settings. */
export interface BuiltImage {
  /** The final stage's root directory. */
  readonly root: string
  readonly config: ImageConfig
  /** Host path of a container path of the final stage (see the module comment). */
  toHost(containerPath: string): string
  /** The image's environment with its paths mapped to the host (PATH entry by entry). */
  readonly hostEnv: Readonly<Record<string, string>>
  /** Wall-clock time of each stage's steps, ms. */
  readonly stageMs: Readonly<Record<string, number>>
}

/** Build every stage in order; resolves with the last one. */
export async function buildImage(plan: DockerfilePlan, options: BuildOptions): Promise<BuiltImage> {
  const roots = new Map<string, StageFs>()
  const stageMs: Record<string, number> = {}
  let last: { stage: Stage; fs: StageFs } | null = null
  for (const stage of plan.stages) {
    const started = Date.now()
    const fs = await createStageFs(join(options.workDir, stage.name), stage)
    roots.set(stage.name, fs)
    await runStage(stage, fs, roots, options)
    stageMs[stage.name] = Date.now() - started
    last = { stage, fs }
  }
  if (last === null) throw new Error('no stage')
  const { stage, fs } = last
  return {
    root: fs.root,
    config: stage.config,
    toHost: fs.toHost,
    hostEnv: mapEnv(stage.config.env, fs),
    stageMs,
  }
}

interface StageFs {
  readonly root: string
  toHost(containerPath: string): string
}

/** The directories a stage creates itself: the first segments of its absolute paths. */
function ownedRoots(stage: Stage): Set<string> {
  const paths: string[] = [...stage.config.volumes]
  for (const step of stage.steps) {
    if (step.kind === 'WORKDIR') paths.push(step.path)
    if (step.kind === 'COPY' && step.dest.startsWith('/')) paths.push(step.dest)
    if (step.kind === 'RUN') paths.push(...step.cacheTargets)
  }
  // RUN steps run as root, whose HOME is /root.
  paths.push('/root')
  return new Set(paths.map((p) => p.split('/')[1] ?? '').filter((s) => s !== ''))
}

async function createStageFs(root: string, stage: Stage): Promise<StageFs> {
  await mkdir(join(root, 'root'), { recursive: true })
  const owned = ownedRoots(stage)
  return {
    root,
    toHost(containerPath) {
      if (!containerPath.startsWith('/')) throw new Error(`not absolute: ${containerPath}`)
      const first = containerPath.split('/')[1] ?? ''
      return owned.has(first) ? join(root, containerPath) : containerPath
    },
  }
}

function mapEnv(env: Readonly<Record<string, string>>, fs: StageFs): Record<string, string> {
  const mapped: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (name === 'PATH') {
      // The base image's node is the host's: keep its directory on PATH wherever it is.
      const entries = value.split(':').map((p) => (p.startsWith('/') ? fs.toHost(p) : p))
      entries.push(dirname(process.execPath))
      mapped[name] = entries.join(':')
    } else {
      mapped[name] = value.startsWith('/') ? fs.toHost(value) : value
    }
  }
  return mapped
}

async function runStage(
  stage: Stage,
  fs: StageFs,
  stages: ReadonlyMap<string, StageFs>,
  options: BuildOptions,
): Promise<void> {
  let workdir = '/'
  let env: Record<string, string> = { ...BASE_IMAGE_ENV }
  for (const step of stage.steps) {
    switch (step.kind) {
      case 'ENV':
        env = { ...env, ...step.values }
        break
      case 'WORKDIR':
        workdir = step.path
        await mkdir(fs.toHost(workdir), { recursive: true })
        break
      case 'COPY': {
        options.log(
          `${stage.name}: COPY ${step.from ? `--from=${step.from} ` : ''}${step.sources.join(' ')} ${step.dest}`,
        )
        const source = step.from === null ? null : stages.get(step.from)
        if (step.from !== null && source === undefined) throw new Error(`no stage ${step.from}`)
        const dest = step.dest.startsWith('/') ? step.dest : join(workdir, step.dest)
        const intoDir = step.dest.endsWith('/') || step.sources.length > 1
        for (const src of step.sources) {
          const from = source ? source.toHost(src) : join(options.context, src)
          if (source === null && (src.startsWith('/') || src.split('/').includes('..'))) {
            throw new Error(`line ${step.line}: COPY source outside the context: ${src}`)
          }
          const created = await copyLikeDocker(from, fs.toHost(dest), intoDir)
          // --chown needs root; as another user the files keep the test's owner.
          if (step.chown !== null && process.getuid?.() === 0) {
            for (const path of created) await chownTree(path, step.chown)
          }
        }
        break
      }
      case 'RUN': {
        options.log(`${stage.name}: RUN ${step.command}`)
        for (const target of step.cacheTargets) {
          const at = fs.toHost(target)
          await mkdir(dirname(at), { recursive: true })
          await symlink(options.cacheDir(target), at).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'EEXIST') throw error
          })
        }
        const result = await runProcess('/bin/sh', ['-c', step.command], {
          cwd: fs.toHost(workdir),
          env: mapEnv({ ...env, HOME: '/root' }, fs),
          timeoutMs: options.runTimeoutMs,
        })
        if (result.code !== 0) {
          throw new Error(
            `line ${step.line}: RUN ${step.command} exited with ${result.code ?? result.signal}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`,
          )
        }
        break
      }
    }
  }
}

/**
 * Docker's COPY: a file goes to `dest` (or into it, when `dest` is a directory); a
 * directory's contents go into `dest`. Symbolic links are copied as links. Resolves with
 * the paths it created or replaced (`dest` itself when it was new), for --chown.
 */
async function copyLikeDocker(from: string, dest: string, intoDir: boolean): Promise<string[]> {
  const info = await lstat(from)
  const destInfo = await lstat(dest).catch(() => null)
  const created: string[] = []
  if (info.isDirectory()) {
    if (destInfo === null) created.push(dest)
    await mkdir(dest, { recursive: true })
    for (const entry of await readdir(from)) {
      await cp(join(from, entry), join(dest, entry), {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
      })
      if (destInfo !== null) created.push(join(dest, entry))
    }
    return created
  }
  const target =
    intoDir || destInfo?.isDirectory() ? join(dest, from.split('/').at(-1) as string) : dest
  await mkdir(dirname(target), { recursive: true })
  await cp(from, target, { verbatimSymlinks: true, preserveTimestamps: true })
  return [target]
}

async function chownTree(path: string, owner: string): Promise<void> {
  const [user, group = user] = owner.split(':')
  const uid = Number(user)
  const gid = Number(group)
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(`--chown=${owner}: use numeric ids (names need the image's /etc/passwd)`)
  }
  await lchown(path, uid, gid)
  const info = await lstat(path)
  if (!info.isDirectory()) return
  for (const entry of await readdir(path)) await chownTree(join(path, entry), owner)
}
