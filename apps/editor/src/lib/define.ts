/**
 * Entry of the single-file script: defines `<weft-editor>` when loaded, and also exports the
 * library for pages that want `mountEditor` from the same file.
 */
import './editor.css'
import { defineWeftEditor } from './weft-editor-element.js'

export * from './index.js'

defineWeftEditor()
