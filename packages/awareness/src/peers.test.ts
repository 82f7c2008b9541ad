import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { derivePeers, initialsOf } from './peers.js'

const state = (id: string, name: string, status: 'active' | 'idle', lastActiveAt: number) => ({
  v: 1,
  user: { id, name, color: '#1f6feb' },
  cursor: null,
  activity: { status, lastActiveAt },
})

describe('derivePeers', () => {
  it('merges the tabs of one person and puts the local person first', () => {
    const peers = derivePeers(
      [
        [10, state('bob', 'Bob (old tab)', 'idle', 100)],
        [11, state('bob', 'Bob', 'active', 200)],
        [20, state('me', 'Zed', 'active', 50)],
        [30, state('amy', 'amy', 'idle', 10)],
      ],
      { selfClientId: 20 },
    )
    expect(peers.map((p) => [p.key, p.user.name, p.clientIds, p.status, p.isSelf])).toEqual([
      ['user:me', 'Zed', [20], 'active', true],
      ['user:amy', 'amy', [30], 'idle', false],
      ['user:bob', 'Bob', [10, 11], 'active', false],
    ])
  })

  it('marks the local person as self in every tab', () => {
    const peers = derivePeers(
      [
        [1, state('me', 'Me', 'active', 1)],
        [2, state('me', 'Me', 'idle', 0)],
      ],
      { selfClientId: 2 },
    )
    expect(peers).toHaveLength(1)
    expect(peers[0]).toMatchObject({ isSelf: true, clientIds: [1, 2], status: 'active' })
  })

  it('skips invalid states and keeps named foreign clients unless told not to', () => {
    const states: [number, unknown][] = [
      [1, { user: { name: '<b>x</b>' } }],
      [2, {}],
      [3, { v: 1, user: { id: 'x' } }],
    ]
    expect(derivePeers(states, { selfClientId: 0 }).map((p) => p.key)).toEqual(['client:1'])
    expect(derivePeers(states, { selfClientId: 0, acceptForeign: false })).toEqual([])
  })

  it('property: one peer per user id, every valid client counted once, order-independent', () => {
    const entry = fc.tuple(
      fc.integer({ min: 0, max: 50 }),
      fc.constantFrom('a', 'b', 'c', 'd'),
      fc.constantFrom('active' as const, 'idle' as const),
      fc.nat({ max: 1000 }),
    )
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: ([id]) => id }),
        fc.nat(50),
        (entries, self) => {
          const states = entries.map(
            ([clientId, user, status, at]) =>
              [clientId, state(user, user.toUpperCase(), status, at)] as const,
          )
          const peers = derivePeers(states, { selfClientId: self })
          const reversed = derivePeers([...states].reverse(), { selfClientId: self })
          expect(reversed).toEqual(peers)
          expect(new Set(peers.map((p) => p.key)).size).toBe(peers.length)
          expect(peers.flatMap((p) => p.clientIds).sort((a, b) => a - b)).toEqual(
            entries.map(([id]) => id).sort((a, b) => a - b),
          )
          expect(peers.filter((p) => p.isSelf).length).toBe(
            entries.some(([id]) => id === self) ? 1 : 0,
          )
        },
      ),
    )
  })
})

describe('initialsOf', () => {
  it('takes the first letters of the first and last word', () => {
    expect(initialsOf('ada king lovelace')).toBe('AL')
    expect(initialsOf('Ada')).toBe('A')
    expect(initialsOf('  émile  zola ')).toBe('ÉZ')
    expect(initialsOf('😀 x')).toBe('😀X')
  })
})
