import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ClockTracker } from './clock-tracker.js'

/** `count` one-character updates of client `id`. */
function typed(id: number, count: number): Uint8Array[] {
  const doc = new Y.Doc()
  doc.clientID = id
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, 'x')
  doc.destroy()
  return updates
}

describe('ClockTracker', () => {
  it('counts in-order deliveries, merged or not, and ignores duplicates and its own echoes', () => {
    const [a0, a1, a2, a3] = typed(7, 4) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
    const own = typed(9, 1)[0] as Uint8Array
    const tracker = new ClockTracker(9)
    const ranges: [number, number, number][] = []
    const record = (client: number, from: number, to: number): void => {
      ranges.push([client, from, to])
    }
    expect(tracker.accept(a0, record)).toBeNull()
    expect(tracker.accept(Y.mergeUpdates([a1, a2, own]), record)).toBeNull()
    expect(tracker.accept(a1, record)).toBeNull() // duplicate
    expect(tracker.accept(a3, record)).toBeNull()
    expect(ranges).toEqual([
      [7, 0, 1],
      [7, 1, 2],
      [7, 2, 3],
      [7, 3, 4],
    ])
    expect(tracker.clockOf(7)).toBe(4)
    expect(tracker.clockOf(9)).toBe(0)
    expect(tracker.gap).toBeNull()
  })

  it('reports a gap when an update is missing, also inside a merged update', () => {
    const [a0, a1, a2] = typed(7, 3) as [Uint8Array, Uint8Array, Uint8Array]
    const tracker = new ClockTracker(null)
    tracker.accept(a0, () => undefined)
    expect(tracker.accept(a2, () => undefined)).toEqual({ client: 7, expected: 1, got: 2 })
    expect(tracker.gap).toEqual({ client: 7, expected: 1, got: 2 })

    // Merging a0 and a2 without a1 leaves a hole (a Skip) that must not hide the loss.
    const merged = new ClockTracker(null)
    expect(merged.accept(Y.mergeUpdates([a0, a2]), () => undefined)).toEqual({
      client: 7,
      expected: 1,
      got: 2,
    })
    void a1
  })

  it('throws on bytes that are not an update', () => {
    expect(() => new ClockTracker(null).accept(Uint8Array.of(5, 1, 2), () => undefined)).toThrow()
  })
})
