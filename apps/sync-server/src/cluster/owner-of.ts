/**
 * Which node owns a document: rendezvous (highest-random-weight) hashing. Every node and every
 * tool that knows the node ids computes the same owner, with no coordination: each node gets a
 * weight per document, and the heaviest node owns it. Adding a node moves exactly the documents
 * the new node now outweighs (≈1/N of them); removing one moves exactly the documents it owned.
 *
 * Pure: no I/O, no state. The hash is MurmurHash3 (x86, 32-bit) of the document name's UTF-8
 * bytes, seeded with the hash of the node id, so it is easy to reimplement in any language
 * (golden values in `owner-of.test.ts`).
 */

const utf8 = new TextEncoder()

/**
 * MurmurHash3 x86_32 of `bytes` with `seed`, as an unsigned 32-bit integer.
 *
 * @example
 * murmur3(new TextEncoder().encode('abc'), 0) // 0xb3dd93fa
 */
export function murmur3(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  let h = seed >>> 0
  const blocks = bytes.length & ~3
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  // The last 1–3 bytes, little-endian, mixed like a block.
  const tail = bytes.length & 3
  if (tail > 0) {
    let k = bytes[blocks] as number
    if (tail > 1) k |= (bytes[blocks + 1] as number) << 8
    if (tail > 2) k |= (bytes[blocks + 2] as number) << 16
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The weight of `nodeId` for `doc`: the node with the highest weight owns the document. */
export function rendezvousWeight(doc: string, nodeId: string): number {
  return murmur3(utf8.encode(doc), murmur3(utf8.encode(nodeId), 0))
}

/**
 * A function giving the owner of a document among `nodeIds` (node seeds computed once).
 * Equal weights, which are rare (32-bit hashes), go to the node id that sorts last, so the
 * result never depends on the order of the list.
 *
 * @throws {RangeError} when `nodeIds` is empty.
 */
export function createOwnerFinder(nodeIds: readonly string[]): (doc: string) => string {
  if (nodeIds.length === 0) throw new RangeError('ownerOf needs at least one node')
  const seeds = nodeIds.map((id) => ({ id, seed: murmur3(utf8.encode(id), 0) }))
  if (seeds.length === 1) {
    const only = (seeds[0] as { id: string }).id
    return () => only
  }
  return (doc) => {
    const bytes = utf8.encode(doc)
    let best = ''
    let bestWeight = -1
    for (const { id, seed } of seeds) {
      const weight = murmur3(bytes, seed)
      if (weight > bestWeight || (weight === bestWeight && id > best)) {
        best = id
        bestWeight = weight
      }
    }
    return best
  }
}

/**
 * The node owning `doc` among `nodeIds`.
 *
 * @example
 * ownerOf('team/notes', ['weft-0', 'weft-1', 'weft-2']) // the same answer on every machine
 * @throws {RangeError} when `nodeIds` is empty.
 */
export function ownerOf(doc: string, nodeIds: readonly string[]): string {
  return createOwnerFinder(nodeIds)(doc)
}
