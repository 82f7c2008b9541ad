import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareUtf8 } from '../storage/memory-store.js'
import { mergeDocPages, type NodeDocPage } from './doc-listing.js'
import type { ListedDoc } from './link-codec.js'

const doc = (name: string, owned = true, bytes = 1): ListedDoc => ({
  name,
  bytes,
  lastModified: null,
  owned,
})

/** One node's page of `names` (sorted) after `after`, as `DocStore.list` gives it. */
function pageOf(
  names: readonly string[],
  owned: ReadonlySet<string>,
  after: string | undefined,
  limit: number,
): NodeDocPage {
  const rest = names.filter((n) => after === undefined || compareUtf8(n, after) > 0)
  const docs = rest.slice(0, limit).map((n) => doc(n, owned.has(n)))
  const last = docs.at(-1)
  return rest.length > limit && last !== undefined ? { docs, next: last.name } : { docs }
}

describe('mergeDocPages', () => {
  it('merges in name order and stops at the first page that may have more', () => {
    const merged = mergeDocPages(
      [
        { docs: [doc('a'), doc('d')], next: 'd' },
        { docs: [doc('b'), doc('c')] },
        { docs: [doc('e')] },
      ],
      2,
    )
    expect(merged).toEqual({
      docs: [
        { name: 'a', bytes: 1, lastModified: null },
        { name: 'b', bytes: 1, lastModified: null },
      ],
      next: 'b',
    })
  })

  it('lists a document held by two nodes once, with the owner’s entry', () => {
    const merged = mergeDocPages(
      [
        { docs: [doc('x', false, 10)] },
        { docs: [doc('x', true, 20)] },
        { docs: [doc('x', false, 30)] },
      ],
      10,
    )
    expect(merged).toEqual({ docs: [{ name: 'x', bytes: 20, lastModified: null }] })
    expect(mergeDocPages([{ docs: [doc('y', false, 5)] }], 10).docs).toEqual([
      { name: 'y', bytes: 5, lastModified: null },
    ])
  })

  it('pages through every node’s documents, each once, in order', () => {
    const name = fc.stringMatching(/^[a-zé]{1,3}$/)
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(name, { maxLength: 20 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        (nodes, limit) => {
          const sorted = nodes.map((names) => [...names].sort(compareUtf8))
          const owner = (n: string) => sorted.findIndex((names) => names.includes(n))
          const expected = [...new Set(sorted.flat())].sort(compareUtf8)
          const seen: string[] = []
          let after: string | undefined
          for (let guard = 0; guard <= expected.length + 1; guard++) {
            const pages = sorted.map((names, i) =>
              pageOf(names, new Set(names.filter((n) => owner(n) === i)), after, limit),
            )
            const merged = mergeDocPages(pages, limit)
            if (merged.next !== undefined) expect(merged.docs).toHaveLength(limit)
            seen.push(...merged.docs.map((d) => d.name))
            after = merged.next
            if (after === undefined) break
          }
          expect(seen).toEqual(expected)
        },
      ),
    )
  })
})
