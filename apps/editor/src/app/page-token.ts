/**
 * A document token for the web app, for servers with authentication on. It is given once, in
 * the link's fragment (`/d/<doc>#token=<jwt>`, which browsers never send to a server), kept
 * for the tab's session, and taken out of the address bar, so the address the Share button
 * copies does not hand it on.
 */

const KEY_PREFIX = 'weft.token:'

/** The token to use for `doc`, and the fragment to show instead of `hash` (null: unchanged). */
export interface PageToken {
  readonly token: string | null
  readonly hash: string | null
}

/**
 * The token of `doc`: from `hash` (`#token=…`, stored in `storage` for this session), else the
 * one stored earlier in the session, else null.
 */
export function resolvePageToken(doc: string, hash: string, storage: Storage): PageToken {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash)
  const given = params.get('token')
  if (given === null || given === '') {
    return { token: storage.getItem(KEY_PREFIX + doc), hash: null }
  }
  storage.setItem(KEY_PREFIX + doc, given)
  params.delete('token')
  const rest = params.toString()
  return { token: given, hash: rest === '' ? '' : `#${rest}` }
}
