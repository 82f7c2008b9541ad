/**
 * Document names come from the URL path of the WebSocket upgrade (`/<name>?query`), as the
 * standard y-websocket client builds it. They are opaque keys: never a file path.
 */

/** Longest accepted name, in UTF-8 bytes. */
export const MAX_DOC_NAME_BYTES = 512

/** The outcome of parsing a request path into a document name. */
export type DocNameResult =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly reason: string }

// C0 and C1 control characters, and U+FFFD (what invalid UTF-8 decodes to).
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\ufffd]/

/**
 * The document name of a request URL: the path without its leading `/`, percent-decoded.
 * Refused: empty names, bad percent-encoding, control characters, names over
 * `MAX_DOC_NAME_BYTES`.
 *
 * @example
 * parseDocName('/team%2Fnotes?token=x') // { ok: true, name: 'team/notes' }
 */
export function parseDocName(url: string | undefined): DocNameResult {
  if (url === undefined || !url.startsWith('/')) return { ok: false, reason: 'missing path' }
  const end = url.search(/[?#]/)
  const raw = url.slice(1, end === -1 ? undefined : end)
  if (raw.length === 0) return { ok: false, reason: 'the path must name a document' }
  if (raw.length > MAX_DOC_NAME_BYTES * 3) return { ok: false, reason: 'document name too long' }
  let name: string
  try {
    // Throws on malformed escapes and on escapes that are not valid UTF-8 (lone surrogates).
    name = decodeURIComponent(raw)
  } catch {
    return { ok: false, reason: 'bad percent-encoding in document name' }
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_DOC_NAME_BYTES) {
    return { ok: false, reason: `document name longer than ${MAX_DOC_NAME_BYTES} bytes` }
  }
  if (FORBIDDEN.test(name)) return { ok: false, reason: 'control characters in document name' }
  return { ok: true, name }
}
