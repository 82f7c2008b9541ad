/**
 * `npm run bench`: a quick pass of every case against Weft and the bare relay.
 * `npm run bench -- --full`: every case against every target, twice or more, with the ratio
 * tables. Results go to `bench/results/<time>-<mode>.json` (and `.md`); the Markdown report is
 * printed at the end. Exit code 1 when any run failed (an error, or a server that lost,
 * reordered or corrupted an update).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, freemem, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CASES, type CaseRun, type Mode, runCase } from './orchestrate/cases.js'
import { failuresList, goalsTable, ratiosTable, valuesTable } from './report/report.js'
import { targetNamed } from './targets/registry.js'
import { CPU_GENERATOR, detectPlacement } from './targets/run-target.js'

const QUICK_TARGETS = ['weft', 'relay']
const FULL_TARGETS = ['weft', 'relay', 'ref-memory', 'ref-leveldb', 'hocuspocus', 'hocuspocus-db']
const FANOUT_CASES = new Set(['fanout-1x50', 'fanout-100x10', 'fanout-1000x2'])

const HELP = `Usage: npm run bench [-- options]

  --full               every target, every case, --reps times (default 2)
  --targets a,b        targets to run (default: weft,relay; --full: all baselines)
  --cases a,b          cases to run (default: all): ${CASES.join(', ')}
  --reps N             repetitions
  --profile DIR        write a CPU profile of every Weft server process to DIR
  --rate N             run fan-out cases as one step at N deliveries/s (for profiling)
  --no-pin             do not pin server and generator to separate cores
  --out DIR            where results go (default: bench/results)
`

const benchRoot = fileURLToPath(new URL('../', import.meta.url))

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return 'unknown'
  }
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url)
  const out: Record<string, string> = { node: process.version }
  for (const name of [
    'yjs',
    'ws',
    'y-protocols',
    'lib0',
    '@y/websocket-server',
    '@hocuspocus/server',
  ]) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version
    } catch {
      out[name] = 'unknown'
    }
  }
  return out
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      targets: { type: 'string' },
      cases: { type: 'string' },
      reps: { type: 'string' },
      profile: { type: 'string' },
      rate: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const mode: Mode = values.full ? 'full' : 'quick'
  const targets = values.targets?.split(',') ?? (mode === 'full' ? FULL_TARGETS : QUICK_TARGETS)
  const specs = targets.map(targetNamed)
  const cases = values.cases?.split(',') ?? [...CASES]
  for (const name of cases) {
    if (!(CASES as readonly string[]).includes(name)) throw new Error(`unknown case ${name}`)
  }
  const reps = Number(values.reps ?? (mode === 'full' ? 2 : 1))
  const placement = detectPlacement(!values['no-pin'])
  if (placement.taskset !== null) {
    // This process does little, but keep it off the server's core.
    sh(placement.taskset, ['-p', '-c', String(CPU_GENERATOR), String(process.pid)])
  }
  const outDir = values.out ?? join(benchRoot, 'results')
  mkdirSync(outDir, { recursive: true })
  const startedAt = new Date()
  const meta = {
    date: startedAt.toISOString(),
    mode,
    targets,
    cases,
    reps,
    commit: sh('git', ['rev-parse', '--short', 'HEAD']),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      freeMemoryGiB: Math.round(freemem() / 2 ** 30),
      kernel: release(),
      loadAverageAtStart: loadavg(),
      pinned: placement.taskset !== null,
      openFilesLimit: sh('sh', ['-c', 'ulimit -n']),
      raisedOpenFiles: placement.prlimit !== null,
    },
    versions: versions(),
  }
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  log(
    `bench ${mode}: ${cases.length} cases × ${targets.join(', ')} × ${reps}; pinned: ${meta.machine.pinned}, open files: ${meta.machine.openFilesLimit}`,
  )
  const runs: CaseRun[] = []
  let sourceBase = 2
  const context = {
    mode,
    placement,
    log,
    // 10,000 connections use two addresses; move on by four each run (127.0.0.2 to .253).
    nextSourceBase: (): number => {
      const base = sourceBase
      sourceBase = sourceBase + 4 > 250 ? 2 : sourceBase + 4
      return base
    },
    serverNodeOptions: (target: string): readonly string[] | undefined =>
      values.profile !== undefined && target.startsWith('weft')
        ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`]
        : undefined,
  }
  const record = (run: CaseRun): void => {
    runs.push(run)
    const status = run.ok ? 'ok' : `FAILED: ${run.failures[0]?.split('\n')[0]}`
    const numbers = Object.entries(run.metrics)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(1)}`)
      .join(' ')
    log(
      `  ${run.case} ${run.target} rep ${run.rep}: ${status} ${numbers} (${(run.wallMs / 1000).toFixed(1)} s)`,
    )
  }
  for (let rep = 1; rep <= reps; rep++) {
    // Alternate the order so drift on a shared machine does not always favour one target.
    const order = rep % 2 === 1 ? specs : [...specs].reverse()
    for (const name of cases) {
      log(`${name} (rep ${rep})`)
      for (const spec of order) {
        if (name.startsWith('cold-load') && !spec.persistent) continue
        const fixed = values.rate !== undefined && FANOUT_CASES.has(name)
        record(await runCase(name, spec, rep, context, fixed ? Number(values.rate) : undefined))
      }
      if (values.rate !== undefined) continue
      // The latency comparison at half of Weft's maximum, for every target, same load.
      if (FANOUT_CASES.has(name) && targets.includes('weft')) {
        const weft = runs.find((r) => r.case === name && r.target === 'weft' && r.rep === rep)
        const max = weft?.metrics.maxDeliveredPerSec
        if (weft?.ok && max !== undefined && max > 0) {
          for (const spec of order) record(await runCase(name, spec, rep, context, max / 2))
        }
      }
    }
  }
  const wallMinutes = (Date.now() - startedAt.getTime()) / 60_000
  const report = [
    `## Results ${meta.date} (${mode}, ${reps} rep${reps > 1 ? 's' : ''}, commit ${meta.commit})`,
    '',
    `Machine: ${meta.machine.cores} × ${meta.machine.cpu}, ${meta.machine.memoryGiB} GiB, Linux ${meta.machine.kernel}, Node ${process.version}; server and generator pinned to separate cores: ${meta.machine.pinned}; load average at start ${meta.machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}. Wall time ${wallMinutes.toFixed(1)} min.`,
    '',
    '### Measured (median of repetitions)',
    '',
    valuesTable(runs, targets),
    '',
    '### Ratios',
    '',
    ratiosTable(runs, targets),
    '',
    '### Targets',
    '',
    goalsTable(runs),
    '',
    '### Failures',
    '',
    failuresList(runs),
    '',
  ].join('\n')
  const stamp = meta.date.replace(/[:.]/g, '-')
  const base = join(outDir, `${stamp}-${mode}`)
  writeFileSync(`${base}.json`, `${JSON.stringify({ meta, wallMinutes, runs }, null, 2)}\n`)
  writeFileSync(`${base}.md`, report)
  process.stdout.write(`\n${report}\nresults: ${base}.json\n`)
  return runs.every((r) => r.ok) ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  },
)
