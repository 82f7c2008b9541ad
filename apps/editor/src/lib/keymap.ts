/** Keyboard shortcuts people expect from a rich-text editor. */

import { schema } from '@weft/schema'
import { baseKeymap, chainCommands, exitCode, setBlockType } from 'prosemirror-commands'
import { keymap } from 'prosemirror-keymap'
import { liftListItem, sinkListItem, splitListItem } from 'prosemirror-schema-list'
import type { Command, Plugin } from 'prosemirror-state'
import { COMMANDS } from './commands.js'

const hardBreak: Command = (state, dispatch) => {
  const type = schema.nodes.hardBreak
  if (type === undefined) return false
  if (dispatch) dispatch(state.tr.replaceSelectionWith(type.create()).scrollIntoView())
  return true
}

/** The editor's keymaps, most specific first; ProseMirror's base keymap last. */
export function buildKeymaps(): Plugin[] {
  const listItem = schema.nodes.listItem
  const paragraph = schema.nodes.paragraph
  if (listItem === undefined || paragraph === undefined) throw new Error('schema is incomplete')
  const keys: Record<string, Command> = {
    'Mod-z': COMMANDS.undo.run,
    'Mod-y': COMMANDS.redo.run,
    'Shift-Mod-z': COMMANDS.redo.run,
    'Mod-b': COMMANDS.bold.run,
    'Mod-i': COMMANDS.italic.run,
    'Mod-u': COMMANDS.underline.run,
    'Shift-Mod-s': COMMANDS.strike.run,
    'Shift-Mod-x': COMMANDS.strike.run,
    'Mod-e': COMMANDS.code.run,
    'Mod-`': COMMANDS.code.run,
    'Mod-Alt-0': setBlockType(paragraph),
    'Mod-Alt-1': COMMANDS.heading1.run,
    'Mod-Alt-2': COMMANDS.heading2.run,
    'Mod-Alt-3': COMMANDS.heading3.run,
    'Shift-Mod-7': COMMANDS.orderedList.run,
    'Shift-Mod-8': COMMANDS.bulletList.run,
    'Shift-Mod-b': COMMANDS.blockquote.run,
    'Mod-Alt-c': COMMANDS.codeBlock.run,
    'Mod-Enter': chainCommands(exitCode, hardBreak),
    'Shift-Enter': chainCommands(exitCode, hardBreak),
    Enter: splitListItem(listItem),
    Tab: sinkListItem(listItem),
    'Shift-Tab': liftListItem(listItem),
    'Mod-[': liftListItem(listItem),
    'Mod-]': sinkListItem(listItem),
  }
  return [keymap(keys), keymap(baseKeymap)]
}
