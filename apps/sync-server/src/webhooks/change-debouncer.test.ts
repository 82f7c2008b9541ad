import { describe, expect, it } from 'vitest'
import { createManualClock } from '../test-support/harness.js'
import { ChangeDebouncer, type CoalescedChange } from './change-debouncer.js'

const options = { debounceMs: 100, maxWaitMs: 1000, maxUsers: 3, maxPending: 10 }

function setup(overrides: Partial<typeof options> = {}) {
  const clock = createManualClock(0)
  const emitted: (CoalescedChange & { at: number })[] = []
  const debouncer = new ChangeDebouncer(
    { ...options, ...overrides },
    (change) => emitted.push({ ...change, at: clock.now() }),
    clock,
  )
  return { clock, emitted, debouncer }
}

describe('ChangeDebouncer', () => {
  it('emits once a document has been quiet for debounceMs', async () => {
    const { clock, emitted, debouncer } = setup()
    debouncer.changed('a', ['u1'])
    await clock.advance(50)
    debouncer.changed('a', ['u2'])
    await clock.advance(99)
    expect(emitted).toEqual([])
    await clock.advance(1)
    expect(emitted).toEqual([
      {
        document: 'a',
        firstAt: 0,
        lastAt: 50,
        batches: 2,
        users: ['u1', 'u2'],
        usersTruncated: false,
        at: 150,
      },
    ])
    expect(debouncer.pendingCount).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('emits at maxWaitMs while changes never pause, then starts a new window', async () => {
    const { clock, emitted, debouncer } = setup()
    for (let t = 0; t <= 2500; t += 50) {
      debouncer.changed('busy', [])
      await clock.advance(50)
    }
    // Changes at 0, 50, …, 2500: windows [0, 1000), [1000, 2000), then quiet after 2500.
    expect(emitted.map((e) => e.at)).toEqual([1000, 2000])
    expect(emitted[0]).toMatchObject({ firstAt: 0, lastAt: 950, batches: 20 })
    expect(emitted[1]).toMatchObject({ firstAt: 1000, lastAt: 1950 })
  })

  it('keeps documents apart', async () => {
    const { clock, emitted, debouncer } = setup()
    debouncer.changed('a', [])
    await clock.advance(60)
    debouncer.changed('b', [])
    await clock.advance(40)
    expect(emitted.map((e) => e.document)).toEqual(['a'])
    await clock.advance(60)
    expect(emitted.map((e) => e.document)).toEqual(['a', 'b'])
  })

  it('lists at most maxUsers distinct users and says when it truncated', async () => {
    const { clock, emitted, debouncer } = setup()
    debouncer.changed('a', ['u1', 'u1', 'u2'])
    debouncer.changed('a', ['u2', 'u3', 'u4', 'u5'])
    await clock.advance(100)
    expect(emitted[0]).toMatchObject({ users: ['u1', 'u2', 'u3'], usersTruncated: true })
  })

  it('emits the oldest early when maxPending documents wait, losing none', async () => {
    const { clock, emitted, debouncer } = setup({ maxPending: 2 })
    debouncer.changed('a', [])
    debouncer.changed('b', [])
    debouncer.changed('c', [])
    expect(emitted.map((e) => e.document)).toEqual(['a'])
    expect(debouncer.pendingCount).toBe(2)
    await clock.advance(100)
    expect(emitted.map((e) => e.document)).toEqual(['a', 'b', 'c'])
  })

  it('flush emits one document at once', async () => {
    const { clock, emitted, debouncer } = setup()
    debouncer.changed('a', [])
    debouncer.changed('b', [])
    debouncer.flush('b')
    debouncer.flush('c')
    expect(emitted.map((e) => e.document)).toEqual(['b'])
    await clock.advance(100)
    expect(emitted.map((e) => e.document)).toEqual(['b', 'a'])
  })

  it('flushAll emits everything pending at once', async () => {
    const { clock, emitted, debouncer } = setup()
    debouncer.changed('a', ['u1'])
    debouncer.changed('b', [])
    debouncer.flushAll()
    expect(emitted.map((e) => [e.document, e.at])).toEqual([
      ['a', 0],
      ['b', 0],
    ])
    expect(clock.pending).toBe(0)
    await clock.advance(1000)
    expect(emitted).toHaveLength(2)
  })
})
