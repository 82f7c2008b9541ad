/**
 * Who may call the REST document API. The same credentials as everywhere else: the admin key
 * (`Authorization: Bearer <admin key>`) may do everything; a document token (a JWT, as a
 * bearer token or `?token=`, like the WebSocket's) may read the documents its `doc` claim
 * covers and, with `write` access, change them. Revocations apply as on the WebSocket.
 *
 * A browser request (one with an `Origin` header) must come from an allowed origin, as for the
 * WebSocket (`--allowed-origins`; by default pages this server served): without credentials
 * configured, any page the user visits could otherwise change their documents. With neither
 * an admin key nor token verification configured (the local quick start) the API is then as
 * open as the WebSocket. Once either is configured, a request without a valid
 * credential gets 401. Listing all documents, deleting a document and deleting a version need
 * the admin key then: a document token grants documents, not the store or its history.
 */
import type { IncomingMessage } from 'node:http'
import { bearerToken, isAdminRequest } from '../auth/admin-key.js'
import { type Access, type Grant, OPEN_GRANT } from '../auth/grant.js'
import type { Revocations } from '../auth/revocations.js'
import type { TokenVerifier } from '../auth/token-verifier.js'
import { isOriginAllowed } from '../transport/origin-policy.js'
import { ApiError } from './api-error.js'

/** What a request needs: access to one document, or the admin key. */
export type ApiNeed = { readonly doc: string; readonly access: Access } | 'admin'

/** Who is calling, once authorised. */
export interface ApiCaller {
  /** The admin key (or no authentication configured at all). */
  readonly admin: boolean
  /** The user changes are attributed to: the token's subject, or null. */
  readonly user: string | null
}

/** Where the checks come from; `verifier` is read per request (it is created at listen). */
export interface ApiAuthDeps {
  readonly adminKey: string | null
  /** `--allowed-origins`, checked like the WebSocket's (see `isOriginAllowed`). */
  readonly allowedOrigins: readonly string[]
  readonly verifier: () => TokenVerifier | null
  readonly revocations: Revocations
  readonly now: () => number
}

const challenge = { 'www-authenticate': 'Bearer' }

/** The credential of a request: its bearer token, else `?token=`. */
function credentialOf(req: IncomingMessage): string | null {
  const bearer = bearerToken(req)
  if (bearer !== null) return bearer
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token')
  return query === null || query === '' ? null : query
}

/**
 * Check a request against what it needs.
 *
 * @throws {ApiError} 401 without a usable credential, 403 when it does not cover the need.
 */
export async function authorize(
  req: IncomingMessage,
  need: ApiNeed,
  deps: ApiAuthDeps,
): Promise<ApiCaller> {
  if (!isOriginAllowed(req.headers.origin, req.headers.host, deps.allowedOrigins)) {
    throw new ApiError(403, 'FORBIDDEN', 'origin not allowed')
  }
  const verifier = deps.verifier()
  if (deps.adminKey === null && verifier === null) return { admin: true, user: OPEN_GRANT.user }
  if (isAdminRequest(req, deps.adminKey)) return { admin: true, user: null }
  const credential = credentialOf(req)
  if (credential === null) {
    throw new ApiError(401, 'UNAUTHORIZED', 'a token or the admin key is required', challenge)
  }
  if (verifier === null) {
    // Only the admin key is configured, and this is not it.
    throw new ApiError(401, 'UNAUTHORIZED', 'the admin key is required', challenge)
  }
  // For an admin route, the token is checked for validity only (any document name will do).
  const check = await verifier.check(credential, need === 'admin' ? '' : need.doc)
  if (need === 'admin') {
    if (!check.ok && check.status === 401) {
      throw new ApiError(401, 'UNAUTHORIZED', check.reason, challenge)
    }
    throw new ApiError(
      403,
      'ADMIN_ONLY',
      'this needs the admin key; a document token is not enough',
    )
  }
  if (!check.ok) {
    if (check.status === 401) throw new ApiError(401, 'UNAUTHORIZED', check.reason, challenge)
    throw new ApiError(403, 'FORBIDDEN', check.reason)
  }
  const grant: Grant | null = deps.revocations.apply(check.grant, need.doc, deps.now())
  if (grant === null) throw new ApiError(403, 'FORBIDDEN', 'access revoked')
  if (need.access === 'write' && grant.access !== 'write') {
    throw new ApiError(403, 'READ_ONLY', 'the token grants read access only')
  }
  return { admin: false, user: grant.user }
}
