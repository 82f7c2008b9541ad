/**
 * Named editing commands, shared by the keymap, the toolbar of the web app and the public
 * `handle.run(name)`. Each has a `run` (a ProseMirror command) and an `isActive` test for
 * toolbar state.
 */

import { isSafeHref, schema } from '@weft/schema'
import { setBlockType, toggleMark, wrapIn } from 'prosemirror-commands'
import type { MarkType, NodeType } from 'prosemirror-model'
import { wrapInList } from 'prosemirror-schema-list'
import type { Command, EditorState } from 'prosemirror-state'
import { redo, undo } from 'y-prosemirror'

/** Names of the commands `handle.run()` accepts. */
export type CommandName =
  | 'bold'
  | 'italic'
  | 'underline'
  | 'strike'
  | 'code'
  | 'paragraph'
  | 'heading1'
  | 'heading2'
  | 'heading3'
  | 'bulletList'
  | 'orderedList'
  | 'blockquote'
  | 'codeBlock'
  | 'horizontalRule'
  | 'undo'
  | 'redo'

/** A command with its toolbar state. */
export interface NamedCommand {
  readonly run: Command
  /** Whether the selection already has this format (for pressed toolbar buttons). */
  readonly isActive: (state: EditorState) => boolean
}

const { nodes, marks } = schema

function markActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return type.isInSet(state.storedMarks ?? $from.marks()) !== undefined
  return state.doc.rangeHasMark(from, to, type)
}

function blockActive(state: EditorState, type: NodeType, attrs?: Record<string, unknown>): boolean {
  const { $from, to } = state.selection
  const parent = $from.parent
  if (to > $from.end()) return false
  if (parent.type !== type) return false
  return attrs === undefined || Object.entries(attrs).every(([k, v]) => parent.attrs[k] === v)
}

function wrapperActive(state: EditorState, type: NodeType): boolean {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type === type) return true
  }
  return false
}

const insertHorizontalRule: Command = (state, dispatch) => {
  const rule = nodes.horizontalRule
  if (rule === undefined) return false
  if (dispatch) dispatch(state.tr.replaceSelectionWith(rule.create()).scrollIntoView())
  return true
}

const mark = (type: MarkType | undefined): NamedCommand => {
  if (type === undefined) throw new Error('schema is missing a mark')
  return { run: toggleMark(type), isActive: (state) => markActive(state, type) }
}

const node = (type: NodeType | undefined): NodeType => {
  if (type === undefined) throw new Error('schema is missing a node')
  return type
}

const heading = (level: number): NamedCommand => ({
  run: setBlockType(node(nodes.heading), { level }),
  isActive: (state) => blockActive(state, node(nodes.heading), { level }),
})

/** Every named command. */
export const COMMANDS: Readonly<Record<CommandName, NamedCommand>> = {
  bold: mark(marks.bold),
  italic: mark(marks.italic),
  underline: mark(marks.underline),
  strike: mark(marks.strike),
  code: mark(marks.code),
  paragraph: {
    run: setBlockType(node(nodes.paragraph)),
    isActive: (state) => blockActive(state, node(nodes.paragraph)),
  },
  heading1: heading(1),
  heading2: heading(2),
  heading3: heading(3),
  bulletList: {
    run: wrapInList(node(nodes.bulletList)),
    isActive: (state) => wrapperActive(state, node(nodes.bulletList)),
  },
  orderedList: {
    run: wrapInList(node(nodes.orderedList)),
    isActive: (state) => wrapperActive(state, node(nodes.orderedList)),
  },
  blockquote: {
    run: wrapIn(node(nodes.blockquote)),
    isActive: (state) => wrapperActive(state, node(nodes.blockquote)),
  },
  codeBlock: {
    run: setBlockType(node(nodes.codeBlock)),
    isActive: (state) => blockActive(state, node(nodes.codeBlock)),
  },
  horizontalRule: { run: insertHorizontalRule, isActive: () => false },
  undo: { run: undo, isActive: () => false },
  redo: { run: redo, isActive: () => false },
}

/**
 * Add a link to the selected text, or remove it when `href` is null. Unsafe targets
 * (`javascript:` and the like) are refused.
 */
export function setLink(href: string | null): Command {
  return (state, dispatch) => {
    const type = marks.link
    if (type === undefined || state.selection.empty) return false
    const { from, to } = state.selection
    if (href === null) {
      if (dispatch) dispatch(state.tr.removeMark(from, to, type))
      return true
    }
    const trimmed = href.trim()
    if (!isSafeHref(trimmed)) return false
    if (dispatch) dispatch(state.tr.addMark(from, to, type.create({ href: trimmed })))
    return true
  }
}

/** The link target at the selection, if any. */
export function linkAt(state: EditorState): string | null {
  const type = marks.link
  if (type === undefined) return null
  const { $from } = state.selection
  const found = type.isInSet($from.marks()) ?? type.isInSet($from.nodeAfter?.marks ?? [])
  return found === undefined ? null : String(found.attrs.href)
}
