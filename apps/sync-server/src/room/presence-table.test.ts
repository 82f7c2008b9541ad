import { describe, expect, it } from 'vitest'
import { PresenceTable } from './presence-table.js'

const entry = (clientId: number, clock: number, state: unknown) => ({
  clientId,
  clock,
  state: JSON.stringify(state),
})

describe('PresenceTable', () => {
  it('accepts new states and newer clocks, drops stale ones', () => {
    const table = new PresenceTable<string>({ maxStateBytes: 1000 })
    expect(table.apply('a', [entry(1, 1, { x: 1 })]).accepted).toHaveLength(1)
    const stale = table.apply('a', [entry(1, 1, { x: 2 })])
    expect(stale.accepted).toHaveLength(0)
    expect(stale.dropped[0]?.reason).toBe('stale')
    expect(table.apply('a', [entry(1, 2, { x: 3 })]).accepted).toHaveLength(1)
    expect(table.entries()).toEqual([entry(1, 2, { x: 3 })])
  })

  it('binds a client id to the owner that introduced it', () => {
    const table = new PresenceTable<string>({ maxStateBytes: 1000 })
    table.apply('a', [entry(1, 1, { me: 'a' })])
    const result = table.apply('b', [entry(1, 5, { me: 'b' }), entry(1, 6, null), entry(2, 1, {})])
    expect(result.accepted.map((e) => e.clientId)).toEqual([2])
    expect(result.dropped.map((d) => d.reason)).toEqual(['foreign-client', 'foreign-client'])
    expect(table.entries().find((e) => e.clientId === 1)?.state).toBe('{"me":"a"}')
  })

  it('removes at the same clock, like y-protocols', () => {
    const table = new PresenceTable<string>({ maxStateBytes: 1000 })
    table.apply('a', [entry(1, 4, {})])
    expect(table.apply('a', [entry(1, 4, null)]).accepted).toHaveLength(1)
    expect(table.size).toBe(0)
  })

  it('returns removals for what an owner introduced when it leaves', () => {
    const table = new PresenceTable<string>({ maxStateBytes: 1000 })
    table.apply('a', [entry(1, 3, {}), entry(2, 1, {})])
    table.apply('a', [entry(2, 2, null)])
    table.apply('b', [entry(3, 1, {})])
    expect(table.removeOwner('a')).toEqual([{ clientId: 1, clock: 4, state: 'null' }])
    expect(table.entries().map((e) => e.clientId)).toEqual([3])
    // Its ids are free again.
    expect(table.apply('c', [entry(1, 9, {})]).accepted).toHaveLength(1)
  })

  it('drops oversized, non-object and invalid states', () => {
    const table = new PresenceTable<string>({
      maxStateBytes: 64,
      validate: (state) => !('bad' in (state as object)),
    })
    const result = table.apply('a', [
      entry(1, 1, { text: 'x'.repeat(100) }),
      { clientId: 2, clock: 1, state: '{not json' },
      entry(3, 1, 'a string'),
      entry(4, 1, { bad: true }),
      entry(5, 1, { text: 'é'.repeat(20) }),
      entry(6, 1, { text: 'é'.repeat(30) }),
    ])
    expect(result.dropped.map((d) => [d.entry.clientId, d.reason])).toEqual([
      [1, 'oversized-state'],
      [2, 'invalid-state'],
      [3, 'invalid-state'],
      [4, 'invalid-state'],
      [6, 'oversized-state'],
    ])
    expect(result.accepted.map((e) => e.clientId)).toEqual([5])
  })
})
