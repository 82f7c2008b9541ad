import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { retryDelayMs } from './backoff.js'

const options = { minMs: 1000, maxMs: 60_000 }

describe('retryDelayMs', () => {
  it('doubles per failure between half and all of the ceiling', () => {
    expect(retryDelayMs(1, options, () => 0)).toBe(500)
    expect(retryDelayMs(1, options, () => 0.999999)).toBe(1000)
    expect(retryDelayMs(2, options, () => 0)).toBe(1000)
    expect(retryDelayMs(3, options, () => 0.5)).toBe(3000)
    expect(retryDelayMs(7, options, () => 0.999999)).toBe(60_000)
  })

  it('never exceeds the cap and never drops below half of it once reached', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (n, r) => {
          const delay = retryDelayMs(n, options, () => r)
          expect(delay).toBeLessThanOrEqual(options.maxMs)
          expect(delay).toBeGreaterThanOrEqual(options.minMs / 2)
          if (n >= 7) expect(delay).toBeGreaterThanOrEqual(options.maxMs / 2)
        },
      ),
    )
  })
})
