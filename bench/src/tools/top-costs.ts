/**
 * Summarise a `node --cpu-prof` profile: self time by function and by package, busy time
 * only (idle and program excluded from the percentages).
 *
 * Usage: node dist/tools/top-costs.js <file.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: readonly number[]
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Where a function lives, for grouping: a package name, our source, or node itself. */
export function packageOf(url: string): string {
  if (url === '') return '(native)'
  const modules = url.lastIndexOf('node_modules/')
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  if (url.startsWith('node:')) return 'node'
  const src = /\/(apps|packages|bench)\/([^/]+)\//.exec(url)
  if (src !== null) return `${src[1]}/${src[2]}`
  return url
}

function main(): void {
  const [file, rowsArg] = process.argv.slice(2)
  if (file === undefined) throw new Error('usage: top-costs <file.cpuprofile> [rows]')
  const rows = Number(rowsArg ?? 25)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const fn = new Map<string, number>()
  const pkg = new Map<string, number>()
  let busy = 0
  let total = 0
  for (const [id, micros] of self) {
    const node = byId.get(id)
    if (node === undefined) continue
    total += micros
    const name = node.callFrame.functionName || '(anonymous)'
    if (name === '(idle)' || name === '(program)') continue
    busy += micros
    const key = `${name} ${packageOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
    fn.set(key, (fn.get(key) ?? 0) + micros)
    const where = name === '(garbage collector)' ? '(gc)' : packageOf(node.callFrame.url)
    pkg.set(where, (pkg.get(where) ?? 0) + micros)
  }
  const pct = (micros: number): string => `${((100 * micros) / busy).toFixed(1)}%`
  process.stdout.write(
    `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled\n\nby package:\n`,
  )
  for (const [name, micros] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    process.stdout.write(`  ${pct(micros).padStart(6)}  ${name}\n`)
  }
  process.stdout.write('\nby function (self):\n')
  for (const [name, micros] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(`  ${pct(micros).padStart(6)}  ${name}\n`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main()
