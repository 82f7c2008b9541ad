/**
 * The benchmark cases and their parameters in quick and full mode, and how one case runs
 * against one target: start the target (fresh data directory), run the generator job(s),
 * stop the target, and reduce the job results to named metrics.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetRef } from '../load/job.js'
import type { FanoutParams, FanoutResult } from '../scenarios/fanout.js'
import type { TargetSpec } from '../targets/registry.js'
import { type Placement, type RunningTarget, startTarget } from '../targets/run-target.js'
import { runInGenerator } from './run-job.js'

/** quick: every case against Weft and the relay in ≤ 5 minutes; full: everything, 2+ times. */
export type Mode = 'quick' | 'full'

/** Names of the cases, in run order. */
export const CASES = [
  'fanout-1x50',
  'fanout-100x10',
  'fanout-1000x2',
  'connections-distinct',
  'connections-one-room',
  'cold-load-x1',
  'cold-load-x2',
  'burst',
  'presence',
] as const

export type CaseName = (typeof CASES)[number]

/** One case run against one target. */
export interface CaseRun {
  readonly case: string
  readonly target: string
  readonly rep: number
  /** False when the run failed: an error, or a correctness failure. */
  readonly ok: boolean
  readonly failures: string[]
  /** Named numbers (see `METRICS` in report.ts). */
  readonly metrics: Record<string, number>
  /** The raw job results. */
  readonly detail: unknown
  readonly wallMs: number
}

/** What a case needs from the run. */
export interface CaseContext {
  readonly mode: Mode
  readonly placement: Placement
  /** Extra node options for the server process (e.g. `--cpu-prof`), by target name. */
  readonly serverNodeOptions: (target: string) => readonly string[] | undefined
  readonly log: (line: string) => void
  /** A loopback source address base not used by the previous connection-heavy runs. */
  readonly nextSourceBase: () => number
}

/** Rooms, clients per room, and the first rate of the ramp (deliveries/s). */
const FANOUT_SHAPES: Record<string, readonly [number, number, number]> = {
  'fanout-1x50': [1, 50, 4000],
  'fanout-100x10': [100, 10, 2000],
  'fanout-1000x2': [1000, 2, 1000],
}

/** Parameters of a fan-out ramp (or of one fixed step at `fixedRate`). */
export function fanoutParams(name: string, mode: Mode, fixedRate?: number): FanoutParams {
  const shape = FANOUT_SHAPES[name]
  if (shape === undefined) throw new Error(`not a fan-out case: ${name}`)
  const quick = mode === 'quick'
  return {
    rooms: shape[0],
    clientsPerRoom: shape[1],
    stepMs: fixedRate === undefined ? (quick ? 2000 : 5000) : 3000,
    drainMs: 1000,
    stallMs: 10_000,
    p99LimitMs: 50,
    rates:
      fixedRate === undefined
        ? { start: shape[2], factor: quick ? 2 : 1.5, maxSteps: 16, bisect: true }
        : { fixed: fixedRate },
    contentCheckRooms: 2,
  }
}

const ref = (target: RunningTarget): TargetRef => ({
  name: target.spec.name,
  protocol: target.spec.protocol,
  urlPattern: target.urlPattern,
  pid: target.pid,
})

/** Bytes of all files under `dir`. */
export async function diskBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

/**
 * Wait until the bytes under `dir` have not changed for `quietMs` (at most `maxMs`). Returns
 * how long it took until the last change.
 */
export async function settleDisk(dir: string, quietMs: number, maxMs: number): Promise<number> {
  const started = performance.now()
  let last = await diskBytes(dir)
  let changedAt = started
  while (performance.now() - changedAt < quietMs && performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const now = await diskBytes(dir)
    if (now !== last) {
      last = now
      changedAt = performance.now()
    }
  }
  return changedAt - started
}

/**
 * Run `name` against `spec` once. Never throws: an error becomes a failed run.
 * `fixedRate` runs a fan-out case as one step at that rate (the half-load comparison).
 */
export async function runCase(
  name: string,
  spec: TargetSpec,
  rep: number,
  context: CaseContext,
  fixedRate?: number,
): Promise<CaseRun> {
  const started = performance.now()
  const dataDir = await mkdtemp(join(tmpdir(), `weft-bench-${spec.name}-`))
  const caseName = fixedRate === undefined ? name : `${name}@half`
  const run = (metrics: Record<string, number>, failures: string[], detail: unknown): CaseRun => ({
    case: caseName,
    target: spec.name,
    rep,
    ok: failures.length === 0,
    failures,
    metrics,
    detail,
    wallMs: performance.now() - started,
  })
  let target: RunningTarget | null = null
  const start = async (): Promise<RunningTarget> => {
    const nodeOptions = context.serverNodeOptions(spec.name)
    target = await startTarget(spec, {
      dataDir,
      placement: context.placement,
      ...(nodeOptions === undefined ? {} : { nodeOptions }),
    })
    return target
  }
  try {
    const running = await start()
    const { mode, placement } = context
    const quick = mode === 'quick'
    if (name in FANOUT_SHAPES) {
      const result = await runInGenerator(
        { kind: 'fanout', target: ref(running), params: fanoutParams(name, mode, fixedRate) },
        placement,
        20 * 60_000,
      )
      return run(fanoutMetrics(result, fixedRate !== undefined), result.failures, result)
    }
    if (name === 'connections-distinct' || name === 'connections-one-room') {
      const result = await runInGenerator(
        {
          kind: 'connections',
          target: ref(running),
          params: {
            count: 10_000,
            distinctRooms: name === 'connections-distinct',
            concurrency: 128,
            idleMs: quick ? 3000 : 10_000,
            settleMs: 1000,
            sourceBase: context.nextSourceBase(),
          },
        },
        placement,
        10 * 60_000,
      )
      return run(
        {
          kibPerConnection: result.kibPerConnection,
          connectPerSec: result.connectPerSec,
          idleCpuPercent: result.idleCpuPercent,
          rssAfterMiB: result.rssAfterMiB,
        },
        result.failures,
        result,
      )
    }
    if (name === 'cold-load-x1' || name === 'cold-load-x2') {
      const docName = `trace-${name}`
      const replay = await runInGenerator(
        {
          kind: 'cold-replay',
          target: ref(running),
          params: { docName, times: name === 'cold-load-x1' ? 1 : 2, window: 4000 },
        },
        placement,
        30 * 60_000,
      )
      if (replay.failures.length > 0) return run({}, replay.failures, { replay })
      // Servers that store in the background (the reference queues one LevelDB write per
      // update behind the relay; Hocuspocus debounces) get time to finish: until their data
      // directory has not changed for 3 s. Then stop it the way each one stops cleanly
      // (SIGTERM) and start a fresh process.
      const settleMs = await settleDisk(dataDir, 3000, 10 * 60_000)
      const stopped = await running.stop()
      const disk = await diskBytes(dataDir)
      context.log(
        `    ${spec.name}: stopped (${stopped.code ?? stopped.signal}), ${disk} bytes on disk`,
      )
      const restarted = await start()
      const open = await runInGenerator(
        { kind: 'cold-open', target: ref(restarted), params: { docName, timeoutMs: 120_000 } },
        placement,
        5 * 60_000,
      )
      return run(
        {
          coldMs: open.coldMs,
          warmMs: open.warmMs,
          diskMiB: disk / 1024 / 1024,
          replayUpdatesPerSec: replay.updatesPerSec,
          settleMs,
          docKiB: open.docBytes / 1024,
        },
        open.failures,
        { replay, open, diskBytes: disk },
      )
    }
    if (name === 'burst') {
      const result = await runInGenerator(
        {
          kind: 'burst',
          target: ref(running),
          params: { clients: 20, edits: 500, rounds: quick ? 3 : 5, stallMs: 10_000 },
        },
        placement,
        10 * 60_000,
      )
      const mean = (values: number[]): number =>
        values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
      return run(
        {
          convergeMs: result.convergeMs,
          serverCpuPercent: mean(result.rounds.map((r) => r.serverCpuPercent)),
          serverCpuMs: mean(result.rounds.map((r) => r.serverCpuMs)),
        },
        result.failures,
        result,
      )
    }
    if (name === 'presence') {
      const result = await runInGenerator(
        {
          kind: 'presence',
          target: ref(running),
          params: { clients: 200, hz: 2, durationMs: quick ? 8000 : 20_000 },
        },
        placement,
        10 * 60_000,
      )
      return run(
        {
          serverCpuPercent: result.serverCpuPercent,
          p50Ms: result.latencyMs.p50,
          p99Ms: result.latencyMs.p99,
          generatorCpuPercent: result.generatorCpuPercent,
        },
        result.failures,
        result,
      )
    }
    throw new Error(`unknown case ${name}`)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const output = (target as RunningTarget | null)?.output() ?? ''
    return run({}, [`error: ${message}${output ? `\n--- server output ---\n${output}` : ''}`], null)
  } finally {
    const last = target as RunningTarget | null
    if (last !== null) await last.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

function fanoutMetrics(result: FanoutResult, half: boolean): Record<string, number> {
  if (half) {
    const step = result.steps[0]
    if (step === undefined) return {}
    return {
      halfRatePerSec: step.offeredPerSec,
      halfP50Ms: step.latencyMs.p50,
      halfP99Ms: step.latencyMs.p99,
      halfCpuPercent: step.serverCpuPercent,
      halfCpuUsPerDelivery: step.serverCpuUsPerDelivery,
    }
  }
  const at = result.atMax
  return {
    maxDeliveredPerSec: result.maxDeliveredPerSec,
    ...(at === null
      ? {}
      : {
          p50AtMaxMs: at.latencyMs.p50,
          p99AtMaxMs: at.latencyMs.p99,
          cpuAtMaxPercent: at.serverCpuPercent,
          cpuUsPerDeliveryAtMax: at.serverCpuUsPerDelivery,
          rssAtMaxMiB: at.serverRssMiB,
          generatorCpuAtMaxPercent: at.generatorCpuPercent,
        }),
    ...(result.unsaturated ? { unsaturated: 1 } : {}),
  }
}
