/**
 * A reader of the Prometheus text exposition format (what `/metrics` serves), for tests
 * that check metric names, types and labels as a scraper sees them.
 */

/** One sample line: `name{label="value",…} value`. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A metric family from its `# HELP` and `# TYPE` lines. */
export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string
}

/** A parsed scrape. */
export interface Scrape {
  readonly families: ReadonlyMap<string, Family>
  readonly samples: readonly Sample[]
  /** Every sample name a query may use (histograms add `_bucket`, `_sum`, `_count`). */
  readonly seriesNames: ReadonlySet<string>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parse a scrape; throws on a line that is neither a comment nor a sample. */
export function parsePrometheusText(text: string): Scrape {
  const help = new Map<string, string>()
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('# HELP ')) {
      const [name = '', ...rest] = line.slice(7).split(' ')
      help.set(name, rest.join(' '))
      continue
    }
    if (line.startsWith('# TYPE ')) {
      const [name = '', type = ''] = line.slice(7).split(' ')
      types.set(name, type)
      continue
    }
    if (line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (match === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key = '', value = ''] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) })
  }
  const families = new Map<string, Family>()
  const seriesNames = new Set<string>()
  for (const [name, type] of types) {
    families.set(name, { name, type, help: help.get(name) ?? '' })
    seriesNames.add(name)
    if (type === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) seriesNames.add(name + s)
    if (type === 'summary') for (const s of ['_sum', '_count']) seriesNames.add(name + s)
  }
  return { families, samples, seriesNames }
}

/** The sum of the samples `name` whose labels include `labels` (0 when there is none). */
export function sampleValue(
  scrape: Scrape,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0
  for (const s of scrape.samples) {
    if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) {
      sum += s.value
    }
  }
  return sum
}

/** Fetch and parse `<httpUrl>/metrics`. */
export async function scrape(httpUrl: string): Promise<Scrape> {
  const response = await fetch(`${httpUrl}/metrics`)
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`)
  return parsePrometheusText(await response.text())
}
