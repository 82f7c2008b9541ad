import { describe, expect, it } from 'vitest'
import { percentile, Samples } from './samples.js'

describe('Samples', () => {
  it('gives nearest-rank percentiles over any number of samples', () => {
    const samples = new Samples()
    for (let i = 2000; i >= 1; i--) samples.add(i)
    const summary = samples.summary()
    expect(summary.count).toBe(2000)
    expect(summary.p50).toBe(1000)
    expect(summary.p99).toBe(1980)
    expect(summary.max).toBe(2000)
    expect(summary.mean).toBe(1000.5)
  })

  it('is all zero when empty', () => {
    expect(new Samples().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 })
    expect(percentile(new Float64Array(), 0.5)).toBe(0)
  })
})
