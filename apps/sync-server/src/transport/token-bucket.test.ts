import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const bucket = new TokenBucket(10, 5, 0)
    for (let i = 0; i < 5; i++) expect(bucket.take(1, 0)).toBe(true)
    expect(bucket.take(1, 0)).toBe(false)
    expect(bucket.waitMs(1, 0)).toBe(100)
    expect(bucket.take(1, 99)).toBe(false)
    expect(bucket.take(1, 100)).toBe(true)
    // Never more than the burst, however long it waited.
    expect(bucket.take(6, 10_000)).toBe(false)
    expect(bucket.take(5, 10_000)).toBe(true)
  })

  it('takes amounts (bytes) and refuses more than it holds', () => {
    const bucket = new TokenBucket(1000, 4000, 0)
    expect(bucket.take(3000, 0)).toBe(true)
    expect(bucket.take(2000, 0)).toBe(false)
    expect(bucket.take(2000, 1000)).toBe(true)
  })

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket(1, 1, 1000)
    expect(bucket.take(1, 1000)).toBe(true)
    expect(bucket.take(1, 0)).toBe(false)
    expect(bucket.take(1, 2000)).toBe(true)
  })
})
