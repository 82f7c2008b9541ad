import fc from 'fast-check'
import { expect, it } from 'vitest'
import { utf8ByteLength } from './utf8-length.js'

it('property: agrees with TextEncoder for any string, including lone surrogates', () => {
  const encoder = new TextEncoder()
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      }),
      (a, b) => {
        const text = a + b
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length)
      },
    ),
  )
})
