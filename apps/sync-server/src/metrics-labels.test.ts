import { describe, expect, it } from 'vitest'
import { closeCodeLabel } from './metrics-labels.js'
import { CloseCode } from './protocol/close-codes.js'

describe('closeCodeLabel', () => {
  it('keeps standard and server codes, folds client-chosen ones into "other"', () => {
    expect(closeCodeLabel(1000)).toBe('1000')
    expect(closeCodeLabel(1006)).toBe('1006')
    for (const code of Object.values(CloseCode)) expect(closeCodeLabel(code)).toBe(String(code))
    expect(closeCodeLabel(3000)).toBe('other')
    expect(closeCodeLabel(4001)).toBe('other')
    expect(closeCodeLabel(4999)).toBe('other')
  })

  it('has a bounded set of values over every possible code', () => {
    const values = new Set<string>()
    for (let code = 0; code < 65_536; code++) values.add(closeCodeLabel(code))
    expect(values.size).toBeLessThanOrEqual(16 + Object.keys(CloseCode).length + 1)
  })
})
