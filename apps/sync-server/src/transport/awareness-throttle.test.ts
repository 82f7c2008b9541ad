import { describe, expect, it } from 'vitest'
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../protocol/awareness-codec.js'
import { AwarenessThrottle, type ThrottleClock } from './awareness-throttle.js'

/** A manual clock: timers fire when `advance` passes them. */
function manualClock() {
  let now = 0
  const timers: { at: number; run: () => void; id: number }[] = []
  let nextId = 1
  const clock: ThrottleClock & { advance(ms: number): void } = {
    now: () => now,
    setTimeout(run, ms) {
      const id = nextId++
      timers.push({ at: now + ms, run, id })
      return { id } as never
    },
    clearTimeout(handle) {
      const index = timers.findIndex((t) => t.id === (handle as { id: number }).id)
      if (index !== -1) timers.splice(index, 1)
    },
    advance(ms) {
      now += ms
      for (;;) {
        timers.sort((a, b) => a.at - b.at)
        const next = timers[0]
        if (next === undefined || next.at > now) break
        timers.shift()
        next.run()
      }
    },
  }
  return clock
}

const update = (clientId: number, clock: number, x: number) =>
  encodeAwarenessUpdate([{ clientId, clock, state: JSON.stringify({ x }) }])

describe('AwarenessThrottle', () => {
  it('relays within budget at once, then coalesces to the newest state per client', () => {
    const clock = manualClock()
    const delivered: Uint8Array[] = []
    const throttle = new AwarenessThrottle(10, (u) => delivered.push(u), clock)
    for (let i = 1; i <= 20; i++) throttle.offer(update(1, i, i)) // burst of 20 passes
    expect(delivered).toHaveLength(20)
    for (let i = 21; i <= 30; i++) throttle.offer(update(1, i, i))
    throttle.offer(update(2, 1, 99))
    expect(delivered).toHaveLength(20)
    clock.advance(100)
    expect(delivered).toHaveLength(21)
    expect(decodeAwarenessUpdate(delivered[20] as Uint8Array)).toEqual([
      { clientId: 1, clock: 30, state: '{"x":30}' },
      { clientId: 2, clock: 1, state: '{"x":99}' },
    ])
    clock.advance(10_000)
    expect(delivered).toHaveLength(21)
  })

  it('keeps order: nothing passes a held update', () => {
    const clock = manualClock()
    const delivered: Uint8Array[] = []
    const throttle = new AwarenessThrottle(1, (u) => delivered.push(u), clock)
    throttle.offer(update(1, 1, 1))
    throttle.offer(update(1, 2, 2))
    throttle.offer(update(1, 3, 3)) // held
    clock.advance(500) // a token is back, but an update is held: this one joins it
    throttle.offer(update(1, 4, 4))
    expect(delivered).toHaveLength(2)
    clock.advance(1000)
    expect(decodeAwarenessUpdate(delivered[2] as Uint8Array)[0]?.clock).toBe(4)
  })

  it('stops on dispose', () => {
    const clock = manualClock()
    const delivered: Uint8Array[] = []
    const throttle = new AwarenessThrottle(1, (u) => delivered.push(u), clock)
    for (let i = 1; i <= 5; i++) throttle.offer(update(1, i, i))
    throttle.dispose()
    clock.advance(10_000)
    expect(delivered).toHaveLength(2)
  })
})
