/**
 * Turn case runs into Markdown: the measured values (median over repetitions), the ratios
 * (each target ÷ bare relay, Weft ÷ each baseline) and the targets, met or missed.
 * Pure: runs in, text out.
 */

/** A run as the report needs it (see `CaseRun`). */
export interface RunRecord {
  readonly case: string
  readonly target: string
  readonly rep: number
  readonly ok: boolean
  readonly failures: readonly string[]
  readonly metrics: Readonly<Record<string, number>>
}

/** One reported number. */
export interface MetricSpec {
  readonly case: string
  readonly metric: string
  readonly label: string
  readonly unit: string
  readonly better: 'higher' | 'lower'
  /** Digits after the point. */
  readonly digits: number
}

const fanout = (shape: string): MetricSpec[] => [
  m(
    `fanout-${shape}`,
    'maxDeliveredPerSec',
    `fan-out ${shape}: max delivered (p99 < 50 ms)`,
    'upd/s',
    'higher',
    0,
  ),
  m(`fanout-${shape}`, 'p50AtMaxMs', `fan-out ${shape}: p50 at max`, 'ms', 'lower', 1),
  m(`fanout-${shape}`, 'p99AtMaxMs', `fan-out ${shape}: p99 at max`, 'ms', 'lower', 1),
  m(`fanout-${shape}`, 'cpuAtMaxPercent', `fan-out ${shape}: server CPU at max`, '%', 'lower', 0),
  m(
    `fanout-${shape}`,
    'cpuUsPerDeliveryAtMax',
    `fan-out ${shape}: server CPU per delivery at max`,
    'µs',
    'lower',
    1,
  ),
  m(`fanout-${shape}`, 'rssAtMaxMiB', `fan-out ${shape}: server RSS at max`, 'MiB', 'lower', 0),
  m(
    `fanout-${shape}@half`,
    'halfP99Ms',
    `fan-out ${shape}: p99 at half Weft's max`,
    'ms',
    'lower',
    1,
  ),
]

function m(
  caseName: string,
  metric: string,
  label: string,
  unit: string,
  better: 'higher' | 'lower',
  digits: number,
): MetricSpec {
  return { case: caseName, metric, label, unit, better, digits }
}

/** Every reported metric, in table order. */
export const METRICS: readonly MetricSpec[] = [
  ...fanout('1x50'),
  ...fanout('100x10'),
  ...fanout('1000x2'),
  m(
    'connections-distinct',
    'kibPerConnection',
    '10k connections, distinct rooms: memory',
    'KiB/conn',
    'lower',
    1,
  ),
  m(
    'connections-distinct',
    'connectPerSec',
    '10k connections, distinct rooms: connect rate',
    'conn/s',
    'higher',
    0,
  ),
  m(
    'connections-distinct',
    'idleCpuPercent',
    '10k connections, distinct rooms: idle CPU',
    '%',
    'lower',
    1,
  ),
  m(
    'connections-one-room',
    'kibPerConnection',
    '10k connections, one room: memory',
    'KiB/conn',
    'lower',
    1,
  ),
  m(
    'connections-one-room',
    'connectPerSec',
    '10k connections, one room: connect rate',
    'conn/s',
    'higher',
    0,
  ),
  m(
    'connections-one-room',
    'idleCpuPercent',
    '10k connections, one room: idle CPU',
    '%',
    'lower',
    1,
  ),
  m('cold-load-x1', 'coldMs', 'cold load, trace: connect → synced', 'ms', 'lower', 1),
  m('cold-load-x1', 'warmMs', 'cold load, trace: warm connect → synced', 'ms', 'lower', 1),
  m('cold-load-x1', 'diskMiB', 'cold load, trace: disk', 'MiB', 'lower', 2),
  m('cold-load-x1', 'replayUpdatesPerSec', 'cold load, trace: replay ingest', 'upd/s', 'higher', 0),
  m(
    'cold-load-x1',
    'settleMs',
    'cold load, trace: still writing after the replay',
    'ms',
    'lower',
    0,
  ),
  m('cold-load-x2', 'coldMs', 'cold load, trace twice: connect → synced', 'ms', 'lower', 1),
  m('cold-load-x2', 'diskMiB', 'cold load, trace twice: disk', 'MiB', 'lower', 2),
  m('burst', 'convergeMs', 'burst 20×500: time to converge', 'ms', 'lower', 0),
  m('burst', 'serverCpuPercent', 'burst 20×500: server CPU', '%', 'lower', 0),
  m('presence', 'serverCpuPercent', 'presence 200 @ 2 Hz: server CPU', '%', 'lower', 0),
  m('presence', 'p50Ms', 'presence 200 @ 2 Hz: p50', 'ms', 'lower', 1),
  m('presence', 'p99Ms', 'presence 200 @ 2 Hz: p99', 'ms', 'lower', 1),
]

/** Median of the passing runs' values of one metric, or null when there is none. */
export function medianOf(
  runs: readonly RunRecord[],
  caseName: string,
  target: string,
  metric: string,
): number | null {
  const values = runs
    .filter((r) => r.case === caseName && r.target === target && r.ok)
    .map((r) => r.metrics[metric])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b)
  if (values.length === 0) return null
  const mid = Math.floor(values.length / 2)
  return values.length % 2 === 1
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2
}

const format = (value: number | null, digits: number): string =>
  value === null
    ? '–'
    : value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })

const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b === 0 ? '–' : `${(a / b).toFixed(2)}×`

/** Whether any run of `caseName` against `target` failed. */
const failed = (runs: readonly RunRecord[], caseName: string, target: string): boolean =>
  runs.some((r) => r.case === caseName && r.target === target && !r.ok)

/** The measured values, one column per target. */
export function valuesTable(runs: readonly RunRecord[], targets: readonly string[]): string {
  const lines = [
    `| metric | unit | ${targets.join(' | ')} |`,
    `| --- | --- | ${targets.map(() => '---:').join(' | ')} |`,
  ]
  for (const spec of METRICS) {
    const cells = targets.map((t) => {
      const value = format(medianOf(runs, spec.case, t, spec.metric), spec.digits)
      return failed(runs, spec.case, t) ? `${value} (FAILED)` : value
    })
    if (cells.every((c) => c === '–')) continue
    lines.push(`| ${spec.label} | ${spec.unit} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** Ratios: each target ÷ relay, and Weft ÷ each baseline. */
export function ratiosTable(runs: readonly RunRecord[], targets: readonly string[]): string {
  const others = targets.filter((t) => t !== 'relay')
  const baselines = targets.filter((t) => t !== 'weft' && t !== 'relay')
  const headers = [
    ...others.map((t) => `${t} ÷ relay`),
    ...(targets.includes('weft') ? baselines.map((b) => `weft ÷ ${b}`) : []),
  ]
  if (headers.length === 0) return ''
  const lines = [
    `| metric | better | ${headers.join(' | ')} |`,
    `| --- | --- | ${headers.map(() => '---:').join(' | ')} |`,
  ]
  for (const spec of METRICS) {
    const v = (t: string): number | null => medianOf(runs, spec.case, t, spec.metric)
    const cells = [
      ...others.map((t) => ratio(v(t), v('relay'))),
      ...(targets.includes('weft') ? baselines.map((b) => ratio(v('weft'), v(b))) : []),
    ]
    if (cells.every((c) => c === '–')) continue
    lines.push(`| ${spec.label} | ${spec.better} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** Reads the median of one metric of one target. */
type Lookup = (caseName: string, target: string, metric: string) => number | null

/** One target of the issue: its measured value and whether it is met, or null if not run. */
interface Goal {
  readonly text: string
  readonly judge: (v: Lookup) => { readonly shown: string; readonly met: boolean } | null
}

/** A goal on the ratio `a ÷ b` of one metric. */
const ratioGoal = (
  text: string,
  caseName: string,
  metric: string,
  a: string,
  b: string,
  met: (ratio: number) => boolean,
): Goal => ({
  text,
  judge: (v) => {
    const x = v(caseName, a, metric)
    const y = v(caseName, b, metric)
    if (x === null || y === null || y === 0) return null
    return { shown: `${(x / y).toFixed(2)}×`, met: met(x / y) }
  },
})

/** A goal on one value of Weft. */
const valueGoal = (
  text: string,
  caseName: string,
  metric: string,
  unit: string,
  limit: number,
): Goal => ({
  text,
  judge: (v) => {
    const x = v(caseName, 'weft', metric)
    return x === null ? null : { shown: `${x.toFixed(1)} ${unit}`, met: x <= limit }
  },
})

const max = 'maxDeliveredPerSec'

/** The targets. */
export const GOALS: readonly Goal[] = [
  ratioGoal(
    'fan-out 100×10: Weft ≥ 2× reference with LevelDB',
    'fanout-100x10',
    max,
    'weft',
    'ref-leveldb',
    (x) => x >= 2,
  ),
  ratioGoal(
    'fan-out 100×10: Weft ≥ 1× reference in memory',
    'fanout-100x10',
    max,
    'weft',
    'ref-memory',
    (x) => x >= 1,
  ),
  ratioGoal(
    'fan-out 100×10: Weft ≥ 60 % of the bare relay',
    'fanout-100x10',
    max,
    'weft',
    'relay',
    (x) => x >= 0.6,
  ),
  ratioGoal(
    'fan-out 1×50: Weft ≥ 2× reference (in memory)',
    'fanout-1x50',
    max,
    'weft',
    'ref-memory',
    (x) => x >= 2,
  ),
  ratioGoal(
    'fan-out 1×50: Weft ≥ 2× reference with LevelDB',
    'fanout-1x50',
    max,
    'weft',
    'ref-leveldb',
    (x) => x >= 2,
  ),
  ratioGoal(
    'fan-out 1×50: Weft ≥ Hocuspocus',
    'fanout-1x50',
    max,
    'weft',
    'hocuspocus',
    (x) => x >= 1,
  ),
  ...['1x50', '100x10', '1000x2'].map((shape) =>
    ratioGoal(
      `fan-out ${shape}: p99 at half Weft's max ≤ 1.5× the relay's at that load`,
      `fanout-${shape}@half`,
      'halfP99Ms',
      'weft',
      'relay',
      (x) => x <= 1.5,
    ),
  ),
  ratioGoal(
    '10k connections, distinct rooms: KiB/conn ≤ 1.3× the relay',
    'connections-distinct',
    'kibPerConnection',
    'weft',
    'relay',
    (x) => x <= 1.3,
  ),
  valueGoal('cold load of the trace ≤ 50 ms to synced', 'cold-load-x1', 'coldMs', 'ms', 50),
  {
    text: 'cold load of the trace twice: the same within noise (≤ 1.25× once + 5 ms)',
    judge: (v) => {
      const once = v('cold-load-x1', 'weft', 'coldMs')
      const twice = v('cold-load-x2', 'weft', 'coldMs')
      if (once === null || twice === null) return null
      return {
        shown: `${twice.toFixed(1)} ms vs ${once.toFixed(1)} ms`,
        met: twice <= once * 1.25 + 5,
      }
    },
  },
  ratioGoal(
    'burst 20×500: Weft convergence ≤ 0.5× the relay',
    'burst',
    'convergeMs',
    'weft',
    'relay',
    (x) => x <= 0.5,
  ),
  valueGoal(
    'presence 200 @ 2 Hz: server CPU ≤ 50 % of a core',
    'presence',
    'serverCpuPercent',
    '%',
    50,
  ),
  valueGoal('presence 200 @ 2 Hz: p99 ≤ 100 ms', 'presence', 'p99Ms', 'ms', 100),
]

/** The targets with their measured values. */
export function goalsTable(runs: readonly RunRecord[]): string {
  const v: Lookup = (caseName, target, metric) => medianOf(runs, caseName, target, metric)
  const lines = ['| target | measured | verdict |', '| --- | ---: | --- |']
  for (const goal of GOALS) {
    const judged = goal.judge(v)
    const verdict = judged === null ? 'not measured in this run' : judged.met ? 'met' : 'MISSED'
    lines.push(`| ${goal.text} | ${judged?.shown ?? '–'} | ${verdict} |`)
  }
  return lines.join('\n')
}

/** Every correctness failure and error, one line each. */
export function failuresList(runs: readonly RunRecord[]): string {
  const lines: string[] = []
  for (const run of runs) {
    for (const failure of run.failures) {
      lines.push(`- ${run.case} on ${run.target} (rep ${run.rep}): ${failure.split('\n')[0]}`)
    }
  }
  return lines.length === 0 ? 'none' : lines.join('\n')
}
