/**
 * Validation of ProseMirror JSON from outside (an HTTP request body, a stored version): the
 * shape is checked against the Weft schema with ProseMirror's own rules (`Node.fromJSON`
 * for node and mark types, `Node.check` for content expressions and attributes), and the
 * nesting depth is bounded before anything recursive runs.
 */
import type { Node, Schema } from 'prosemirror-model'
import { schema as weftSchema } from './schema.js'

/** The outcome of `parseDocJson`. */
export type DocJsonResult =
  | { readonly ok: true; readonly node: Node }
  | { readonly ok: false; readonly reason: string }

/** Options of `parseDocJson`. */
export interface ParseDocJsonOptions {
  /** Deepest nesting of nodes accepted (the `doc` node is depth 1). Default 100. */
  readonly maxDepth?: number
  /** The schema to validate against. Default: the Weft schema. */
  readonly schema?: Schema
}

/**
 * Parse and validate ProseMirror JSON of a whole document (a `doc` node). Never throws.
 *
 * @example
 * const result = parseDocJson({ type: 'doc', content: [{ type: 'paragraph' }] })
 * if (result.ok) console.log(result.node.childCount) // 1
 */
export function parseDocJson(value: unknown, options: ParseDocJsonOptions = {}): DocJsonResult {
  const schema = options.schema ?? weftSchema
  const maxDepth = options.maxDepth ?? 100
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'the document must be a JSON object' }
  }
  const top = schema.topNodeType.name
  if ((value as { type?: unknown }).type !== top) {
    return { ok: false, reason: `the document must be a "${top}" node` }
  }
  const depth = nestingDepth(value, maxDepth)
  if (depth > maxDepth) {
    return { ok: false, reason: `nodes are nested more than ${maxDepth} deep` }
  }
  let node: Node
  try {
    node = schema.nodeFromJSON(value)
    node.check()
  } catch (error) {
    // ProseMirror reports every schema violation as a RangeError with a readable message.
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, reason: `not a valid document: ${message}` }
  }
  return { ok: true, node }
}

/** Depth of the `content` nesting of a JSON node, counted without recursion, up to `limit + 1`. */
function nestingDepth(root: object, limit: number): number {
  let deepest = 0
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }]
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number }
    if (depth > deepest) deepest = depth
    if (deepest > limit) return deepest
    const content = (value as { content?: unknown } | null)?.content
    if (!Array.isArray(content)) continue
    for (const child of content) {
      if (child !== null && typeof child === 'object')
        stack.push({ value: child, depth: depth + 1 })
    }
  }
  return deepest
}
