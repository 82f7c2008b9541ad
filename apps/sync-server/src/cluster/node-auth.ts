/**
 * Node-to-node authentication: short-lived JWTs (HS256, `jose`) signed with the cluster
 * secret, sent in the `x-weft-node-auth` header of every request one node makes to another
 * (the control link, a forwarded client socket, a forwarded HTTP request). A forwarded socket's
 * assertion carries the grant the entry node gave the client: the owner trusts that grant
 * because, and only because, the assertion verifies with the cluster secret.
 */
import type { IncomingMessage } from 'node:http'
import { errors, jwtVerify, SignJWT } from 'jose'
import type { Access, Grant } from '../auth/grant.js'

/** The request header carrying a node assertion. */
export const NODE_AUTH_HEADER = 'x-weft-node-auth'

/** JWT `typ` of node assertions, so a client access token can never pass for one. */
const TYP = 'weft-node+jwt'

/**
 * Assertions are checked when a request arrives; they only need to outlive one request.
 * The tolerance absorbs clock skew between machines.
 */
const LIFETIME_SECONDS = 60
const CLOCK_TOLERANCE_SECONDS = 30

/** What a node asserts about a request it makes to another node. */
export type NodeClaim =
  /** The control link between two nodes. */
  | { readonly kind: 'link'; readonly from: string }
  /** A client socket for `doc`, forwarded by the entry node `from` with the client's grant. */
  | { readonly kind: 'socket'; readonly from: string; readonly doc: string; readonly grant: Grant }
  /** An HTTP request about `doc`, forwarded by `from` (it carries its own credentials). */
  | { readonly kind: 'http'; readonly from: string; readonly doc: string }

/** The outcome of checking a request's node assertion. */
export type NodeAuthCheck =
  | { readonly ok: true; readonly claim: NodeClaim }
  | { readonly ok: false; readonly reason: string }

/** Signs and verifies node assertions. */
export interface NodeAuth {
  /** An assertion for a request from this node to node `to`. */
  sign(claim: NodeClaim, to: string): Promise<string>
  /** Check an assertion addressed to this node (`self`). */
  verify(token: string, self: string): Promise<NodeAuthCheck>
}

/** Whether a request carries a node assertion at all (valid or not). */
export function nodeAssertionOf(req: IncomingMessage): string | null {
  const value = req.headers[NODE_AUTH_HEADER]
  if (value === undefined) return null
  return Array.isArray(value) ? (value[0] ?? '') : value
}

/**
 * Node authentication with a shared secret (`--cluster-secret`).
 *
 * @example
 * const auth = createNodeAuth(secret)
 * const token = await auth.sign({ kind: 'link', from: 'weft-0' }, 'weft-1')
 * await auth.verify(token, 'weft-1') // { ok: true, claim: { kind: 'link', from: 'weft-0' } }
 */
export function createNodeAuth(secret: string): NodeAuth {
  const key = new TextEncoder().encode(secret)
  return {
    async sign(claim, to) {
      const payload: Record<string, unknown> = { kind: claim.kind }
      if (claim.kind !== 'link') payload.doc = claim.doc
      if (claim.kind === 'socket') payload.grant = { ...claim.grant }
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ: TYP })
        .setIssuer(claim.from)
        .setAudience(to)
        .setIssuedAt()
        .setExpirationTime(`${LIFETIME_SECONDS}s`)
        .sign(key)
    },
    async verify(token, self) {
      let payload: Record<string, unknown>
      try {
        const verified = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: TYP,
          audience: self,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['iss', 'aud', 'exp', 'iat'],
        })
        payload = verified.payload
      } catch (error) {
        return { ok: false, reason: describe(error) }
      }
      const claim = readClaim(payload)
      return typeof claim === 'string' ? { ok: false, reason: claim } : { ok: true, claim }
    },
  }
}

function readClaim(payload: Record<string, unknown>): NodeClaim | string {
  const from = payload.iss
  if (typeof from !== 'string' || from === '') return 'node assertion has no issuer'
  if (payload.kind === 'link') return { kind: 'link', from }
  const doc = payload.doc
  if (typeof doc !== 'string' || doc === '') return 'node assertion has no document'
  if (payload.kind === 'http') return { kind: 'http', from, doc }
  if (payload.kind !== 'socket') return 'node assertion of unknown kind'
  const grant = readGrant(payload.grant)
  return grant === null ? 'node assertion has no valid grant' : { kind: 'socket', from, doc, grant }
}

const nullableString = (v: unknown): v is string | null => v === null || typeof v === 'string'
const nullableNumber = (v: unknown): v is number | null =>
  v === null || (typeof v === 'number' && Number.isFinite(v))

function readGrant(value: unknown): Grant | null {
  if (value === null || typeof value !== 'object') return null
  const { user, displayName, access, expiresAt, issuedAt } = value as Record<string, unknown>
  if (!nullableString(user) || !nullableString(displayName)) return null
  if (access !== 'read' && access !== 'write') return null
  if (!nullableNumber(expiresAt) || !nullableNumber(issuedAt)) return null
  return { user, displayName, access: access as Access, expiresAt, issuedAt }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'node assertion expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'wrong cluster secret'
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `node assertion claim invalid: ${error.claim}`
  }
  return 'node assertion invalid'
}
