/**
 * `@weft/schema`: the ProseMirror schema of Weft documents, shared by the editor (which
 * renders and edits with it) and the sync server (which validates ProseMirror JSON sent to
 * its REST API). Needs no DOM.
 */
export { type DocJsonResult, type ParseDocJsonOptions, parseDocJson } from './parse-doc-json.js'
export { isSafeHref, MAX_HEADING_LEVEL, schema } from './schema.js'
