import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createOwnerFinder, murmur3, ownerOf, rendezvousWeight } from './owner-of.js'

const utf8 = new TextEncoder()

/** Node ids as operators write them: `weft-0`, `node-a`, … */
const nodeId = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
const nodeSet = (min: number, max: number) =>
  fc.uniqueArray(nodeId, { minLength: min, maxLength: max })

/** How many of `names` each node owns. */
function loads(names: readonly string[], nodes: readonly string[]): Map<string, number> {
  const owner = createOwnerFinder(nodes)
  const counts = new Map(nodes.map((n) => [n, 0]))
  for (const name of names) {
    const o = owner(name)
    counts.set(o, (counts.get(o) ?? 0) + 1)
  }
  return counts
}

const names = (count: number, prefix: string): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`)

describe('murmur3', () => {
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\u0000\u0000\u0000\u0000', 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
  ])('hashes %j with seed %d to the published value', (text, seed, expected) => {
    expect(murmur3(utf8.encode(text), seed)).toBe(expected)
  })
})

describe('ownerOf', () => {
  // Golden values: any implementation (another process, machine or language) must agree.
  it.each([
    ['notes', 'weft-1', [0x0949267a, 0xf19067d8, 0xd4ef7f27]],
    ['team/roadmap', 'weft-1', [0x05b32e15, 0x830d1f1d, 0x36876bdc]],
    ['ünïcødé 📝', 'weft-2', [0x144d3170, 0xc1f9fec8, 0xe780c865]],
  ])('gives %j to %s among weft-0..2, with these weights', (doc, owner, weights) => {
    const nodes = ['weft-0', 'weft-1', 'weft-2']
    expect(nodes.map((n) => rendezvousWeight(doc, n))).toEqual(weights)
    expect(ownerOf(doc, nodes)).toBe(owner)
  })

  it('is the node with the highest weight, whatever the order of the list', () => {
    fc.assert(
      fc.property(nodeSet(1, 12), fc.string(), (nodes, doc) => {
        const owner = ownerOf(doc, nodes)
        expect(nodes).toContain(owner)
        for (const n of nodes) {
          expect(rendezvousWeight(doc, n)).toBeLessThanOrEqual(rendezvousWeight(doc, owner))
        }
        expect(ownerOf(doc, [...nodes].reverse())).toBe(owner)
      }),
    )
  })

  it('computes the same owners in another process', () => {
    const docs = names(500, 'proc-')
    const nodes = ['a', 'b', 'c', 'd', 'e']
    const module = fileURLToPath(new URL('./owner-of.ts', import.meta.url))
    const script = `import { ownerOf } from ${JSON.stringify(module)}
      const docs = ${JSON.stringify(docs)}
      process.stdout.write(JSON.stringify(docs.map((d) => ownerOf(d, ${JSON.stringify(nodes)}))))`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module'], {
      input: script,
      encoding: 'utf8',
    })
    expect(JSON.parse(out)).toEqual(docs.map((d) => ownerOf(d, nodes)))
  })

  it('balances 100k documents over 3–16 nodes within a few percent', () => {
    const docs = names(100_000, 'doc-')
    fc.assert(
      fc.property(nodeSet(3, 16), (nodes) => {
        const counts = [...loads(docs, nodes).values()]
        const mean = docs.length / nodes.length
        expect(Math.max(...counts) / mean).toBeLessThan(1.06)
        expect(Math.min(...counts) / mean).toBeGreaterThan(0.94)
      }),
      { numRuns: 8 },
    )
  })

  it('moves only documents the added node now owns, about 1/N of them', () => {
    const docs = names(20_000, 'add-')
    fc.assert(
      fc.property(nodeSet(3, 16), nodeId, (nodes, added) => {
        fc.pre(!nodes.includes(added))
        const before = createOwnerFinder(nodes)
        const after = createOwnerFinder([...nodes, added])
        let moved = 0
        for (const doc of docs) {
          const was = before(doc)
          const is = after(doc)
          if (was !== is) {
            expect(is).toBe(added)
            moved++
          }
        }
        const expected = docs.length / (nodes.length + 1)
        expect(Math.abs(moved - expected) / expected).toBeLessThan(0.15)
      }),
      { numRuns: 10 },
    )
  })

  it('moves only the documents of the removed node', () => {
    const docs = names(20_000, 'remove-')
    fc.assert(
      fc.property(nodeSet(4, 16), fc.nat(), (nodes, pick) => {
        const removed = nodes[pick % nodes.length] as string
        const before = createOwnerFinder(nodes)
        const after = createOwnerFinder(nodes.filter((n) => n !== removed))
        for (const doc of docs) {
          const was = before(doc)
          if (was !== removed) expect(after(doc)).toBe(was)
          else expect(after(doc)).not.toBe(removed)
        }
      }),
      { numRuns: 10 },
    )
  })

  it('refuses an empty node list', () => {
    expect(() => ownerOf('x', [])).toThrow(RangeError)
  })
})
