import { describe, expect, it } from 'vitest'
import type { Grant } from './grant.js'
import { Revocations, targetCovers } from './revocations.js'

const grant = (user: string, issuedAt: number | null): Grant => ({
  user,
  displayName: null,
  access: 'write',
  expiresAt: null,
  issuedAt,
})

describe('Revocations', () => {
  it('refuses tokens of a revoked user issued before the revocation', () => {
    const list = new Revocations({ maxEntries: 10, maxAgeMs: 1000 })
    list.add({ user: 'mallory' }, 'close', 100)
    expect(list.apply(grant('mallory', 50), 'doc', 150)).toBeNull()
    expect(list.apply(grant('mallory', null), 'doc', 150)).toBeNull()
    expect(list.apply(grant('mallory', 200), 'doc', 250)?.access).toBe('write')
    expect(list.apply(grant('alice', 50), 'doc', 150)?.access).toBe('write')
  })

  it('narrows to read-only, per document', () => {
    const list = new Revocations({ maxEntries: 10, maxAgeMs: 1000 })
    list.add({ doc: 'secret' }, 'read-only', 100)
    expect(list.apply(grant('alice', 50), 'secret', 150)?.access).toBe('read')
    expect(list.apply(grant('alice', 50), 'other', 150)?.access).toBe('write')
  })

  it('forgets revocations past their age and beyond its size', () => {
    const list = new Revocations({ maxEntries: 2, maxAgeMs: 1000 })
    list.add({ user: 'a' }, 'close', 0)
    expect(list.apply(grant('a', null), 'd', 2000)?.access).toBe('write')
    list.add({ user: 'b' }, 'close', 3000)
    list.add({ user: 'c' }, 'close', 3000)
    list.add({ user: 'd' }, 'close', 3000)
    expect(list.apply(grant('b', null), 'x', 3000)).not.toBeNull()
    expect(list.apply(grant('d', null), 'x', 3000)).toBeNull()
  })

  it('never covers everything with an empty target', () => {
    expect(targetCovers({}, 'a', 'd')).toBe(false)
    expect(targetCovers({ user: 'a', doc: 'd' }, 'a', 'd')).toBe(true)
    expect(targetCovers({ user: 'a', doc: 'd' }, 'a', 'e')).toBe(false)
  })

  it('merges revocations from elsewhere once each, in time order', () => {
    const list = new Revocations({ maxEntries: 3, maxAgeMs: 1000 })
    list.add({ user: 'a' }, 'close', 500)
    const added = list.merge(
      [
        { target: { user: 'a' }, mode: 'close', at: 500 },
        { target: { user: 'b' }, mode: 'read-only', at: 300 },
        { target: { user: 'b' }, mode: 'read-only', at: 300 },
        { target: { user: 'c' }, mode: 'close', at: 10 },
      ],
      1200,
    )
    // a is known, b is new (once), c is past its age.
    expect(added).toEqual([{ target: { user: 'b' }, mode: 'read-only', at: 300 }])
    expect(list.list(1200).map((r) => r.at)).toEqual([300, 500])
    expect(list.apply(grant('b', 200), 'doc', 1200)?.access).toBe('read')
    // Beyond the size limit the oldest go, also when they are what was just merged.
    expect(
      list.merge(
        [
          { target: { user: 'd' }, mode: 'close', at: 600 },
          { target: { user: 'e' }, mode: 'close', at: 700 },
          { target: { user: 'f' }, mode: 'close', at: 250 },
        ],
        1200,
      ),
    ).toEqual([
      { target: { user: 'd' }, mode: 'close', at: 600 },
      { target: { user: 'e' }, mode: 'close', at: 700 },
    ])
    expect(list.list(1200).map((r) => r.target.user)).toEqual(['a', 'd', 'e'])
  })
})
