/**
 * What a connection may do. With authentication off every connection gets `OPEN_GRANT`;
 * with it on, a grant comes from a verified token.
 */

/** `read`: receive the document and send presence. `write`: also change the document. */
export type Access = 'read' | 'write'

/** The rights of one connection or request. */
export interface Grant {
  /** The user (`sub` claim), or null when authentication is off. */
  readonly user: string | null
  /** A display name from the token (`name` claim), shown to others instead of the client's own. */
  readonly displayName: string | null
  readonly access: Access
  /** When the token expires (ms since the epoch), or null for no expiry. */
  readonly expiresAt: number | null
  /** When the token was issued (ms since the epoch), or null when unknown. */
  readonly issuedAt: number | null
}

/** The grant of every connection when authentication is off. */
export const OPEN_GRANT: Grant = {
  user: null,
  displayName: null,
  access: 'write',
  expiresAt: null,
  issuedAt: null,
}

/**
 * Whether a document pattern covers `docName`: an exact name, a prefix ending in `*`
 * (`team/*` covers `team/notes`), or `*` for every document.
 *
 * @example
 * matchesDoc('team/*', 'team/notes') // true
 */
export function matchesDoc(pattern: string, docName: string): boolean {
  if (pattern.endsWith('*')) return docName.startsWith(pattern.slice(0, -1))
  return pattern === docName
}
