/**
 * Checks a client's Yjs update against the room's document before it is applied: that it
 * decodes completely, which client ids it writes new content for, and how deep the types it
 * creates are nested. Pure: reads the document, changes nothing.
 *
 * Why depth matters: Yjs walks parent chains when it fires events and recurses through nested
 * types when it garbage-collects them, and editors recurse when they render. A chain of
 * thousands of nested types costs quadratic time or overflows the stack, on the server and on
 * every client, so such updates are refused before they are applied.
 */
import * as Y from 'yjs'
import { ProtocolError } from '../protocol/protocol-error.js'

/** What an update would do to a document. */
export interface UpdateInspection {
  /** Client ids for which the update carries content beyond what the document has. */
  readonly writtenClients: ReadonlySet<number>
  /** Depth of the deepest type the update creates (root types are depth 0); 0 if none. */
  readonly maxDepth: number
}

type Struct = Y.Item | Y.GC | Y.Skip

/** Where an item's parent depth comes from: a known value, or another item of the update. */
type Dependency = { readonly depth: number } | { readonly item: Y.Item; readonly offset: number }

/** The structs Yjs holds back for missing dependencies (`doc.store.pendingStructs`). */
export interface PendingStructs {
  /** Lowest missing clock per client. */
  readonly missing: ReadonlyMap<number, number>
  /** The pending structs, in Yjs's V2 encoding. */
  readonly update: Uint8Array
}

/**
 * Inspect `update` against `doc`. When the update could release the document's `pending`
 * structs (it carries a clock one of them waits for), those are inspected together with it,
 * since applying it integrates them too; otherwise they cost nothing here.
 *
 * @throws {ProtocolError} `INVALID_UPDATE` when the update does not decode, or creates a type
 * nested deeper than `maxDepth`.
 */
export function inspectUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  options: { maxDepth: number; pending?: PendingStructs | null },
): UpdateInspection {
  let structs: Struct[]
  try {
    structs = Y.decodeUpdate(update).structs as Struct[]
    const pending = options.pending
    if (pending && releases(structs, pending.missing)) {
      const merged = Y.mergeUpdates([Y.convertUpdateFormatV2ToV1(pending.update), update])
      structs = Y.decodeUpdate(merged).structs as Struct[]
    }
  } catch (cause) {
    throw new ProtocolError('INVALID_UPDATE', 'update does not decode', { cause })
  }
  const byClient = new Map<number, Struct[]>()
  for (const struct of structs) {
    const list = byClient.get(struct.id.client)
    if (list === undefined) byClient.set(struct.id.client, [struct])
    else list.push(struct)
  }
  const state = (client: number): number => Y.getState(doc.store, client)

  const writtenClients = new Set<number>()
  for (const [client, list] of byClient) {
    const known = state(client)
    if (list.some((s) => !(s instanceof Y.Skip) && s.id.clock + s.length > known)) {
      writtenClients.add(client)
    }
  }

  const docDepths = new Map<Y.AbstractType<unknown>, number>()
  /** Depth of a type already in the document. Bounded: the document obeys the limit. */
  const docTypeDepth = (type: Y.AbstractType<unknown>): number => {
    const cached = docDepths.get(type)
    if (cached !== undefined) return cached
    let depth = 0
    for (
      let item = type._item;
      item !== null;
      item = (item.parent as Y.AbstractType<unknown>)._item
    ) {
      depth++
    }
    docDepths.set(type, depth)
    return depth
  }

  const findInUpdate = (id: Y.ID): Struct | null => {
    const list = byClient.get(id.client)
    if (list === undefined) return null
    let low = 0
    let high = list.length - 1
    while (low <= high) {
      const mid = (low + high) >> 1
      const struct = list[mid] as Struct
      if (id.clock < struct.id.clock) high = mid - 1
      else if (id.clock >= struct.id.clock + struct.length) low = mid + 1
      else return struct
    }
    return null
  }

  /** Depth of the type an ID (a ContentType item) creates, found in the document. */
  const depthOfDocTypeItem = (id: Y.ID): Dependency | null => {
    if (id.clock >= state(id.client)) return null
    const struct = Y.getItem(doc.store, id) as Y.Item | Y.GC
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentType))
      return { depth: 0 }
    return { depth: docTypeDepth(struct.content.type as Y.AbstractType<unknown>) }
  }

  /** Parent depth of the document item containing `id` (an origin). */
  const parentDepthOfDocItem = (id: Y.ID): Dependency | null => {
    if (id.clock >= state(id.client)) return null
    const struct = Y.getItem(doc.store, id) as Y.Item | Y.GC
    if (!(struct instanceof Y.Item) || struct.parent === null) return { depth: 0 }
    return { depth: docTypeDepth(struct.parent as Y.AbstractType<unknown>) }
  }

  const dependencyOf = (item: Y.Item): Dependency => {
    const parent = item.parent as unknown
    if (typeof parent === 'string') return { depth: 0 }
    if (parent instanceof Y.ID) {
      // The parent is a type created by the item with this ID.
      const inDoc = depthOfDocTypeItem(parent)
      if (inDoc !== null) return inDoc
      const inUpdate = findInUpdate(parent)
      return inUpdate instanceof Y.Item ? { item: inUpdate, offset: 1 } : { depth: 0 }
    }
    // No parent written: it is the parent of the left (or right) origin.
    const origin = item.origin ?? item.rightOrigin
    if (origin === null) return { depth: 0 }
    const inDoc = parentDepthOfDocItem(origin)
    if (inDoc !== null) return inDoc
    const inUpdate = findInUpdate(origin)
    return inUpdate instanceof Y.Item && inUpdate !== item
      ? { item: inUpdate, offset: 0 }
      : { depth: 0 }
  }

  // Parent depth of each item of the update, resolved without recursion (chains can be long).
  const parentDepth = new Map<Y.Item, number>()
  const resolve = (start: Y.Item): number => {
    const stack: Y.Item[] = [start]
    const visiting = new Set<Y.Item>()
    while (stack.length > 0) {
      const item = stack[stack.length - 1] as Y.Item
      if (parentDepth.has(item)) {
        stack.pop()
        continue
      }
      const dep = dependencyOf(item)
      if ('depth' in dep) {
        parentDepth.set(item, dep.depth)
        stack.pop()
      } else {
        const resolved = parentDepth.get(dep.item)
        if (resolved !== undefined) {
          parentDepth.set(item, resolved + dep.offset)
          stack.pop()
        } else if (visiting.has(dep.item)) {
          // A cycle cannot integrate (Yjs keeps it pending); count it as flat.
          parentDepth.set(item, 0)
          stack.pop()
        } else {
          visiting.add(item)
          stack.push(dep.item)
        }
      }
    }
    return parentDepth.get(start) ?? 0
  }

  let maxDepth = 0
  for (const struct of structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentType)) continue
    if (struct.id.clock < state(struct.id.client)) continue // already in the document
    const depth = resolve(struct) + 1
    if (depth > maxDepth) maxDepth = depth
    if (depth > options.maxDepth) {
      throw new ProtocolError(
        'INVALID_UPDATE',
        `update nests types ${depth} deep; the limit is ${options.maxDepth}`,
      )
    }
  }
  return { writtenClients, maxDepth }
}

/** Whether structs reach a clock some pending struct waits for. */
function releases(structs: readonly Struct[], missing: ReadonlyMap<number, number>): boolean {
  for (const struct of structs) {
    const clock = missing.get(struct.id.client)
    if (clock !== undefined && struct.id.clock + struct.length > clock) return true
  }
  return false
}
