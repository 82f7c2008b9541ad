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
})
