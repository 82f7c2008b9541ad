/**
 * `@weft/editor`: an embeddable collaborative editor (ProseMirror + Yjs) for Weft servers.
 * Import `@weft/editor/style.css` once for the default look.
 */
// Lets the library build emit style.css; the import itself is removed from the built JS.
import './editor.css'

export type { Peer, PresenceUser } from '@weft/awareness'
export { schema } from '@weft/schema'
export { COMMANDS, type CommandName, type NamedCommand } from './commands.js'
export type { TokenSource } from './connection.js'
export type { DocJson } from './initial-content.js'
export {
  type EditorHandle,
  type EditorOptions,
  mountEditor,
  STATUS_ATTRIBUTES,
} from './mount-editor.js'
export type { EditorUser } from './presence.js'
export type { ConnectionState, EditorStatus, Refusal } from './status.js'
export {
  createWeftEditorElementClass,
  defineWeftEditor,
  type WeftEditorElement,
} from './weft-editor-element.js'
