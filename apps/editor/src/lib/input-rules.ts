/**
 * Markdown-like shortcuts while typing: `# ` to `### ` headings, `- ` / `* ` and `1. ` lists,
 * `> ` quotes, three backticks for code, `---` for a rule, `**bold**`, `*italic*`,
 * `` `code` `` and `~~strike~~`, plus typographic dashes and ellipses.
 */

import { MAX_HEADING_LEVEL, schema } from '@weft/schema'
import {
  ellipsis,
  emDash,
  InputRule,
  inputRules,
  textblockTypeInputRule,
  undoInputRule,
  wrappingInputRule,
} from 'prosemirror-inputrules'
import { keymap } from 'prosemirror-keymap'
import type { MarkType } from 'prosemirror-model'
import type { Plugin } from 'prosemirror-state'

/**
 * Wrap the text between delimiters in a mark. The pattern's last group is the text and
 * `delimiter` the length of each delimiter. The rule runs before the last typed character
 * reaches the document, so only part of the closing delimiter is in it (up to `end`).
 */
function markRule(pattern: RegExp, type: MarkType, delimiter: number): InputRule {
  return new InputRule(pattern, (state, match, start, end) => {
    const text = match[match.length - 1]
    if (text === undefined || text.length === 0) return null
    const from = start + match[0].lastIndexOf(text)
    const to = from + text.length
    const tr = state.tr.delete(to, end).delete(from - delimiter, from)
    return tr.addMark(from - delimiter, to - delimiter, type.create()).removeStoredMark(type)
  })
}

/** The input-rules plugin and the Backspace binding that undoes a rule just applied. */
export function buildInputRules(): Plugin[] {
  const { nodes, marks } = schema
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('schema is incomplete')
    return value
  }
  const rules: InputRule[] = [
    ellipsis,
    emDash,
    textblockTypeInputRule(
      new RegExp(`^(#{1,${MAX_HEADING_LEVEL}})\\s$`),
      need(nodes.heading),
      (match) => ({ level: match[1]?.length ?? 1 }),
    ),
    wrappingInputRule(/^\s*>\s$/, need(nodes.blockquote)),
    wrappingInputRule(/^\s*([-+*])\s$/, need(nodes.bulletList)),
    wrappingInputRule(
      /^(\d+)\.\s$/,
      need(nodes.orderedList),
      (match) => ({ start: Number(match[1]) }),
      (match, node) => node.childCount + Number(node.attrs.start) === Number(match[1]),
    ),
    textblockTypeInputRule(/^```$/, need(nodes.codeBlock)),
    new InputRule(/^(?:---|___|\*\*\*)$/, (state, _match, start) => {
      const $start = state.doc.resolve(start)
      if (!$start.parent.isTextblock || $start.parent.type.spec.code) return null
      return state.tr
        .replaceRangeWith($start.before(), $start.after(), need(nodes.horizontalRule).create())
        .insert($start.before() + 1, need(nodes.paragraph).create())
    }),
    markRule(/\*\*([^*\s](?:[^*]*[^*\s])?)\*\*$/, need(marks.bold), 2),
    markRule(/(?:^|[^*])\*([^*\s](?:[^*]*[^*\s])?)\*$/, need(marks.italic), 1),
    markRule(/~~([^~\s](?:[^~]*[^~\s])?)~~$/, need(marks.strike), 2),
    markRule(/`([^`]+)`$/, need(marks.code), 1),
  ]
  return [inputRules({ rules }), keymap({ Backspace: undoInputRule })]
}
