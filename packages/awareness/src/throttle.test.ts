import { describe, expect, it } from 'vitest'
import { createThrottle, nextSendDelay, type Scheduler } from './throttle.js'

/** A manual clock: time moves only when the test says so. */
function manualScheduler(): Scheduler<number> & { advance(ms: number): void; timers: number } {
  let now = 0
  let nextId = 1
  const timers = new Map<number, { at: number; run: () => void }>()
  return {
    now: () => now,
    setTimeout(run, delayMs) {
      const id = nextId++
      timers.set(id, { at: now + delayMs, run })
      return id
    },
    clearTimeout(id) {
      timers.delete(id)
    },
    advance(ms) {
      const until = now + ms
      for (;;) {
        const due = [...timers]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0]
        if (due === undefined) break
        timers.delete(due[0])
        now = due[1].at
        due[1].run()
      }
      now = until
    },
    get timers() {
      return timers.size
    },
  }
}

describe('nextSendDelay', () => {
  it('sends at once the first time and after the interval', () => {
    expect(nextSendDelay(null, 5, 100)).toBe(0)
    expect(nextSendDelay(0, 40, 100)).toBe(60)
    expect(nextSendDelay(0, 100, 100)).toBe(0)
    expect(nextSendDelay(0, 250, 100)).toBe(0)
  })

  it('does not stall when the clock goes back', () => {
    expect(nextSendDelay(1000, 10, 100)).toBe(0)
  })
})

describe('createThrottle', () => {
  it('sends the first value now and the latest one at the end of the interval', () => {
    const clock = manualScheduler()
    const sent: string[] = []
    const throttle = createThrottle((v: string) => sent.push(`${clock.now()}:${v}`), {
      intervalMs: 100,
      scheduler: clock,
    })
    throttle.push('a')
    clock.advance(10)
    throttle.push('b')
    clock.advance(10)
    throttle.push('c')
    expect(sent).toEqual(['0:a'])
    expect(throttle.pending).toBe(true)
    clock.advance(100)
    expect(sent).toEqual(['0:a', '100:c'])
    expect(throttle.pending).toBe(false)
    expect(clock.timers).toBe(0)
  })

  it('never sends two values closer than the interval', () => {
    const clock = manualScheduler()
    const times: number[] = []
    const throttle = createThrottle(() => times.push(clock.now()), {
      intervalMs: 50,
      scheduler: clock,
    })
    for (let i = 0; i < 100; i++) {
      throttle.push(i)
      clock.advance(7)
    }
    clock.advance(100)
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(50)
    }
    expect(times.length).toBeGreaterThan(10)
  })

  it('flush sends the waiting value now; cancel drops it and its timer', () => {
    const clock = manualScheduler()
    const sent: number[] = []
    const throttle = createThrottle((v: number) => sent.push(v), {
      intervalMs: 100,
      scheduler: clock,
    })
    throttle.push(1)
    throttle.push(2)
    throttle.flush()
    expect(sent).toEqual([1, 2])
    expect(clock.timers).toBe(0)
    clock.advance(200)
    throttle.push(3)
    throttle.push(4)
    throttle.cancel()
    clock.advance(500)
    expect(sent).toEqual([1, 2, 3])
    expect(clock.timers).toBe(0)
  })
})
