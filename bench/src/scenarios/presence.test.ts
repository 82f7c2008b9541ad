import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { encodePresence, forEachPresence } from './presence.js'

describe('forEachPresence', () => {
  it('reads every entry of a merged update, skipping the states', () => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 3)
    for (const [client, clock, state] of [
      [7, 1, { long: 'x'.repeat(300) }],
      [300, 2, null],
      [9, 70_000, { é: 'ü' }],
    ] as const) {
      encoding.writeVarUint(encoder, client)
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarString(encoder, JSON.stringify(state))
    }
    const seen: [number, number][] = []
    forEachPresence(encoding.toUint8Array(encoder), (client, clock) => seen.push([client, clock]))
    expect(seen).toEqual([
      [7, 1],
      [300, 2],
      [9, 70_000],
    ])
  })

  it('reads what encodePresence writes, and refuses a truncated update', () => {
    const update = encodePresence(5, 3, { cursor: null })
    const seen: number[] = []
    forEachPresence(update, (client, clock) => seen.push(client, clock))
    expect(seen).toEqual([5, 3])
    expect(() => forEachPresence(update.subarray(0, update.length - 2), () => undefined)).toThrow()
  })
})
