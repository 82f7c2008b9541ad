import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { colorForUserId, contrastRatio, MIN_CONTRAST_ON_WHITE, readableColor } from './color.js'

const HEX = /^#[0-9a-f]{6}$/
const anyHex = fc
  .integer({ min: 0, max: 0xffffff })
  .map((n) => `#${n.toString(16).padStart(6, '0')}`)

describe('contrastRatio', () => {
  it('matches the WCAG reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5)
    // #767676 is the well-known lightest grey that passes 4.5:1 on white.
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5)
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5)
  })

  it('throws on something that is not #rrggbb', () => {
    expect(() => contrastRatio('red', '#ffffff')).toThrow(TypeError)
  })
})

describe('colorForUserId', () => {
  it('is deterministic', () => {
    expect(colorForUserId('ada')).toBe(colorForUserId('ada'))
  })

  it('property: always #rrggbb with at least 4.5:1 contrast on white', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (id) => {
        const color = colorForUserId(id)
        expect(color).toMatch(HEX)
        expect(contrastRatio(color, '#ffffff')).toBeGreaterThanOrEqual(MIN_CONTRAST_ON_WHITE)
      }),
      { numRuns: 3000 },
    )
  })

  it('spreads ids over many colours and hues', () => {
    const colors = new Set(Array.from({ length: 200 }, (_, i) => colorForUserId(`user-${i}`)))
    expect(colors.size).toBeGreaterThan(150)
    // Not all the same family: both reddish and bluish colours occur.
    const channels = [...colors].map((c) =>
      [c.slice(1, 3), c.slice(5, 7)].map((h) => Number.parseInt(h, 16)),
    )
    expect(channels.some(([r = 0, b = 0]) => r > b + 60)).toBe(true)
    expect(channels.some(([r = 0, b = 0]) => b > r + 60)).toBe(true)
  })
})

describe('readableColor', () => {
  it('keeps colours that are already readable', () => {
    expect(readableColor('#1F6FEB')).toBe('#1f6feb')
  })

  it('darkens light colours just enough', () => {
    const fixed = readableColor('#ffeb3b') as string
    expect(contrastRatio(fixed, '#ffffff')).toBeGreaterThanOrEqual(MIN_CONTRAST_ON_WHITE)
    expect(contrastRatio(fixed, '#ffffff')).toBeLessThan(7)
  })

  it('refuses non-hex input', () => {
    expect(readableColor('yellow')).toBeNull()
  })

  it('property: any colour becomes readable', () => {
    fc.assert(
      fc.property(anyHex, (color) => {
        const fixed = readableColor(color) as string
        expect(fixed).toMatch(HEX)
        expect(contrastRatio(fixed, '#ffffff')).toBeGreaterThanOrEqual(MIN_CONTRAST_ON_WHITE)
      }),
      { numRuns: 3000 },
    )
  })
})
