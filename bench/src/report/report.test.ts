import { describe, expect, it } from 'vitest'
import { goalsTable, medianOf, type RunRecord, ratiosTable, valuesTable } from './report.js'

const run = (
  caseName: string,
  target: string,
  rep: number,
  metrics: Record<string, number>,
  ok = true,
): RunRecord => ({ case: caseName, target, rep, ok, failures: ok ? [] : ['lost'], metrics })

const runs: RunRecord[] = [
  run('fanout-100x10', 'weft', 1, { maxDeliveredPerSec: 60_000 }),
  run('fanout-100x10', 'weft', 2, { maxDeliveredPerSec: 70_000 }),
  run('fanout-100x10', 'relay', 1, { maxDeliveredPerSec: 100_000 }),
  run('fanout-100x10', 'ref-leveldb', 1, { maxDeliveredPerSec: 40_000 }),
  run('burst', 'weft', 1, { convergeMs: 300 }),
  run('burst', 'relay', 1, { convergeMs: 500 }, false),
]

describe('report', () => {
  it('takes the median of passing runs only', () => {
    expect(medianOf(runs, 'fanout-100x10', 'weft', 'maxDeliveredPerSec')).toBe(65_000)
    expect(medianOf(runs, 'burst', 'relay', 'convergeMs')).toBeNull()
  })

  it('tables values, ratios and goals, marking failed runs', () => {
    const targets = ['weft', 'relay', 'ref-leveldb']
    expect(valuesTable(runs, targets)).toContain(
      '| fan-out 100x10: max delivered (p99 < 50 ms) | upd/s | 65,000 | 100,000 | 40,000 |',
    )
    expect(valuesTable(runs, targets)).toContain('– (FAILED)')
    expect(ratiosTable(runs, targets)).toContain('| 0.65× | 0.40× | 1.63× |')
    const goals = goalsTable(runs)
    expect(goals).toContain('| fan-out 100×10: Weft ≥ 2× reference with LevelDB | 1.63× | MISSED |')
    expect(goals).toContain('| fan-out 100×10: Weft ≥ 60 % of the bare relay | 0.65× | met |')
    expect(goals).toContain(
      '| burst 20×500: Weft convergence ≤ 0.5× the relay | – | not measured in this run |',
    )
  })
})
