/**
 * The routes of the REST document API, parsed from the raw request path. Pure. The cluster
 * layer uses `parseApiPath` too: every document route carries its document name, so a node
 * can tell from the path alone which node owns the request.
 *
 * A document name is one path segment, percent-encoded (`/api/docs/team%2Fnotes`), validated
 * exactly like the WebSocket path (`parseDocName`).
 */
import { parseDocName } from '../transport/doc-name.js'

/** A parsed API path. Every variant but `docs` and `invalid` names a document. */
export type ApiPath =
  /** `/api/docs` */
  | { readonly kind: 'docs' }
  /** `/api/docs/:name` */
  | { readonly kind: 'doc'; readonly name: string }
  /** `/api/docs/:name/update` */
  | { readonly kind: 'update'; readonly name: string }
  /** `/api/docs/:name/versions` */
  | { readonly kind: 'versions'; readonly name: string }
  /** `/api/docs/:name/versions/:id` */
  | { readonly kind: 'version'; readonly name: string; readonly id: number }
  /** `/api/docs/:name/versions/:id/restore` */
  | { readonly kind: 'restore'; readonly name: string; readonly id: number }
  /** Under `/api/` but not a route (404), or a route with a bad document name (400). */
  | { readonly kind: 'invalid'; readonly status: 400 | 404; readonly reason: string }

/** The kinds of `ApiPath` that name a document. */
export type DocApiPath = Exclude<ApiPath, { kind: 'docs' } | { kind: 'invalid' }>

const VERSION_ID = /^[1-9]\d{0,11}$/

/**
 * Parse a request URL (`req.url`, not normalised: `..` and `%2F` stay as sent). Null when the
 * path is not under `/api/` at all.
 *
 * @example
 * parseApiPath('/api/docs/team%2Fnotes/versions/3?format=text')
 * // { kind: 'version', name: 'team/notes', id: 3 }
 */
export function parseApiPath(url: string | undefined): ApiPath | null {
  if (url === undefined) return null
  const end = url.search(/[?#]/)
  const path = end === -1 ? url : url.slice(0, end)
  if (path !== '/api' && !path.startsWith('/api/')) return null
  const segments = path.split('/').slice(2)
  if (segments[0] !== 'docs') return notFound
  if (segments.length === 1 || (segments.length === 2 && segments[1] === '')) {
    return { kind: 'docs' }
  }
  const parsed = parseDocName(`/${segments[1]}`)
  if (!parsed.ok) return { kind: 'invalid', status: 400, reason: parsed.reason }
  const name = parsed.name
  const rest = segments.slice(2)
  if (rest.length === 0) return { kind: 'doc', name }
  if (rest.length === 1 && rest[0] === 'update') return { kind: 'update', name }
  if (rest[0] !== 'versions') return notFound
  if (rest.length === 1) return { kind: 'versions', name }
  const id = rest[1] ?? ''
  if (!VERSION_ID.test(id)) return notFound
  if (rest.length === 2) return { kind: 'version', name, id: Number(id) }
  if (rest.length === 3 && rest[2] === 'restore') return { kind: 'restore', name, id: Number(id) }
  return notFound
}

const notFound: ApiPath = { kind: 'invalid', status: 404, reason: 'no such API route' }

/**
 * The document a request URL is about, or null (not an API path, the listing, or invalid).
 * For routing a request to the node that owns the document.
 */
export function docNameOfApiUrl(url: string | undefined): string | null {
  const path = parseApiPath(url)
  return path !== null && 'name' in path ? path.name : null
}
