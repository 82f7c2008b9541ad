import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CopyFacts, liveTombstone, reconcileCopies } from './copy-reconcile.js'

const clock = { nowMs: 10_000, tombstoneMs: 5_000 }
const content = (lastModified: number | null): CopyFacts => ({
  hasData: true,
  lastModified,
  deletedAt: null,
})
const tombstone = (deletedAt: number): CopyFacts => ({
  hasData: false,
  lastModified: null,
  deletedAt,
})
const nothing: CopyFacts = { hasData: false, lastModified: null, deletedAt: null }

describe('reconcileCopies', () => {
  it('merges everything when no live tombstone is involved', () => {
    const all = { keepLocal: true, takeIncoming: true, tombstone: null }
    expect(reconcileCopies(content(1), content(2), clock)).toEqual(all)
    expect(reconcileCopies(nothing, content(2), clock)).toEqual(all)
    // Expired on either side: as if there was none (and it is dropped).
    expect(reconcileCopies(tombstone(1000), content(500), clock)).toEqual(all)
    expect(reconcileCopies(content(500), tombstone(1000), clock)).toEqual(all)
  })

  it('carries a tombstone to a node that has nothing', () => {
    expect(reconcileCopies(nothing, tombstone(9000), clock)).toEqual({
      keepLocal: true,
      takeIncoming: false,
      tombstone: 9000,
    })
  })

  it('drops a copy changed before the deletion, on either side', () => {
    expect(reconcileCopies(tombstone(9000), content(8000), clock)).toEqual({
      keepLocal: true,
      takeIncoming: false,
      tombstone: 9000,
    })
    expect(reconcileCopies(content(8000), tombstone(9000), clock)).toEqual({
      keepLocal: false,
      takeIncoming: false,
      tombstone: 9000,
    })
    // Unknown modification time: older than any deletion.
    expect(reconcileCopies(content(null), tombstone(9000), clock).keepLocal).toBe(false)
  })

  it('lets a re-creation after the deletion lift it', () => {
    expect(reconcileCopies(tombstone(9000), content(9500), clock)).toEqual({
      keepLocal: true,
      takeIncoming: true,
      tombstone: null,
    })
    expect(reconcileCopies(content(9500), tombstone(9000), clock)).toEqual({
      keepLocal: true,
      takeIncoming: false,
      tombstone: null,
    })
  })

  it('keeps the later of two tombstones', () => {
    expect(reconcileCopies(tombstone(8000), tombstone(9000), clock).tombstone).toBe(9000)
    expect(reconcileCopies(tombstone(9000), tombstone(8000), clock).tombstone).toBe(9000)
  })

  it('never keeps a tombstone beside kept content, and never keeps content older than it', () => {
    const facts = fc.record({
      hasData: fc.boolean(),
      lastModified: fc.option(fc.integer({ min: 0, max: 12_000 })),
      deletedAt: fc.option(fc.integer({ min: 0, max: 12_000 })),
    })
    fc.assert(
      fc.property(facts, facts, (local, incoming) => {
        const plan = reconcileCopies(local, incoming, clock)
        const kept = [
          ...(local.hasData && plan.keepLocal ? [local] : []),
          ...(plan.takeIncoming ? [incoming] : []),
        ]
        if (plan.tombstone !== null) {
          expect(kept.filter((c) => c.hasData)).toEqual([])
          expect(liveTombstone(plan.tombstone, clock)).toBe(plan.tombstone)
        }
        const deletions = [local.deletedAt, incoming.deletedAt]
          .map((d) => liveTombstone(d, clock))
          .filter((d): d is number => d !== null)
        for (const copy of kept) {
          if (!copy.hasData) continue
          for (const d of deletions) expect(copy.lastModified ?? -1).toBeGreaterThan(d)
        }
      }),
    )
  })
})
