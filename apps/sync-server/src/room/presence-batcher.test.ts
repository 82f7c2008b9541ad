import { describe, expect, it } from 'vitest'
import {
  type AwarenessEntry,
  decodeAwarenessUpdate,
  encodeAwarenessUpdate,
} from '../protocol/awareness-codec.js'
import { type BatchClock, PresenceBatcher } from './presence-batcher.js'

/** A manual clock: timers fire when `advance` passes them. */
function manualClock() {
  let now = 0
  const timers: { at: number; run: () => void; id: number }[] = []
  let nextId = 1
  const clock: BatchClock & { advance(ms: number): void; pending(): number } = {
    now: () => now,
    setTimeout(run, ms) {
      const id = nextId++
      timers.push({ at: now + ms, run, id })
      return id
    },
    clearTimeout(handle) {
      const index = timers.findIndex((t) => t.id === handle)
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
    pending: () => timers.length,
  }
  return clock
}

const entry = (clientId: number, clock: number, x: number | null): AwarenessEntry => ({
  clientId,
  clock,
  state: JSON.stringify(x === null ? null : { x }),
})

describe('PresenceBatcher', () => {
  it('sends the first update at once, batches the rest of the interval, newest state wins', () => {
    const clock = manualClock()
    const sent: Uint8Array[] = []
    const batcher = new PresenceBatcher(50, (u) => sent.push(u), clock)
    const raw = encodeAwarenessUpdate([entry(1, 1, 0)])
    batcher.offer([entry(1, 1, 0)], raw)
    expect(sent).toEqual([raw]) // as it came, not re-encoded
    clock.advance(10)
    batcher.offer([entry(1, 2, 1)])
    batcher.offer([entry(2, 1, 5)])
    batcher.offer([entry(1, 3, 2)])
    batcher.offer([entry(1, 2, 9)]) // older than what is held: ignored
    expect(sent).toHaveLength(1)
    clock.advance(39)
    expect(sent).toHaveLength(1)
    clock.advance(1)
    expect(sent).toHaveLength(2)
    expect(decodeAwarenessUpdate(sent[1] as Uint8Array)).toEqual([entry(1, 3, 2), entry(2, 1, 5)])
    // Quiet for an interval: the next one goes out at once again.
    clock.advance(50)
    batcher.offer([entry(2, 2, null)])
    expect(decodeAwarenessUpdate(sent[2] as Uint8Array)).toEqual([entry(2, 2, null)])
  })

  it('keeps a removal queued behind a held state, so no cursor comes back', () => {
    const clock = manualClock()
    const sent: Uint8Array[] = []
    const batcher = new PresenceBatcher(50, (u) => sent.push(u), clock)
    batcher.offer([entry(1, 1, 0)])
    batcher.offer([entry(1, 2, 1)])
    batcher.offer([entry(1, 3, null)])
    clock.advance(50)
    expect(decodeAwarenessUpdate(sent[1] as Uint8Array)).toEqual([entry(1, 3, null)])
  })

  it('flushes on demand and forgets everything when disposed', () => {
    const clock = manualClock()
    const sent: Uint8Array[] = []
    const batcher = new PresenceBatcher(50, (u) => sent.push(u), clock)
    batcher.offer([entry(1, 1, 0)])
    batcher.offer([entry(1, 2, 1)])
    batcher.flush()
    expect(sent).toHaveLength(2)
    expect(clock.pending()).toBe(0)
    batcher.offer([entry(1, 3, 2)])
    batcher.dispose()
    clock.advance(100)
    expect(sent).toHaveLength(2)
    expect(clock.pending()).toBe(0)
  })
})
