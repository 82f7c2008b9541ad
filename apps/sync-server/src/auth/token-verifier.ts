/**
 * Verifies access tokens (JWTs, with `jose`): signature, expiry, and the Weft claims.
 * Claims are documented in `docs/AUTH.md`.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  type JWTPayload,
  jwtVerify,
  type KeyObject,
} from 'jose'
import { type Access, type Grant, matchesDoc } from './grant.js'

/** The outcome of checking a token for one document. */
export type TokenCheck =
  | { readonly ok: true; readonly grant: Grant }
  | {
      readonly ok: false
      /** 401: no usable token (missing, malformed, bad signature, expired). 403: valid, wrong document. */
      readonly status: 401 | 403
      readonly reason: string
    }

/** Checks a token for access to one document. */
export interface TokenVerifier {
  check(token: string | null, docName: string): Promise<TokenCheck>
}

/** Key material to verify with, already loaded (see `loadVerificationKey`). */
export type VerificationKey =
  | { readonly kind: 'secret'; readonly secret: Uint8Array }
  | {
      readonly kind: 'public-key'
      readonly key: CryptoKey | KeyObject
      readonly algorithms: string[]
    }
  | { readonly kind: 'jwks'; readonly jwks: { keys: object[] } }

/**
 * No tolerance on `exp`: a live socket is closed exactly when its token expires, and the same
 * token must not be accepted again a moment later. Issue tokens with some margin instead.
 */
const CLOCK_TOLERANCE_SECONDS = 0

/** Create a verifier for tokens signed with `key`. */
export function createTokenVerifier(key: VerificationKey): TokenVerifier {
  const verify = (token: string) => {
    const options = { clockTolerance: CLOCK_TOLERANCE_SECONDS, requiredClaims: ['exp', 'sub'] }
    switch (key.kind) {
      case 'secret':
        return jwtVerify(token, key.secret, { ...options, algorithms: ['HS256'] })
      case 'public-key':
        return jwtVerify(token, key.key, { ...options, algorithms: key.algorithms })
      case 'jwks':
        return jwtVerify(token, createLocalJWKSet(key.jwks as never), {
          ...options,
          algorithms: ['ES256', 'RS256'],
        })
    }
  }
  return {
    async check(token, docName) {
      if (token === null || token === '')
        return { ok: false, status: 401, reason: 'token required' }
      let payload: JWTPayload
      try {
        payload = (await verify(token)).payload
      } catch (error) {
        return { ok: false, status: 401, reason: describeJoseError(error) }
      }
      const claims = readClaims(payload)
      if (typeof claims === 'string') return { ok: false, status: 401, reason: claims }
      if (!claims.docs.some((pattern) => matchesDoc(pattern, docName))) {
        return { ok: false, status: 403, reason: 'token does not grant this document' }
      }
      return {
        ok: true,
        grant: {
          user: claims.sub,
          displayName: claims.name,
          access: claims.access,
          expiresAt: claims.exp * 1000,
          issuedAt: typeof payload.iat === 'number' ? payload.iat * 1000 : null,
        },
      }
    },
  }
}

interface WeftClaims {
  sub: string
  docs: string[]
  access: Access
  exp: number
  name: string | null
}

/** The Weft claims of a verified payload, or why they are unusable. */
function readClaims(payload: JWTPayload): WeftClaims | string {
  const { sub, exp } = payload
  const doc = payload.doc
  const access = payload.access
  if (typeof sub !== 'string' || sub === '') return 'token has no subject (sub)'
  if (typeof exp !== 'number') return 'token has no expiry (exp)'
  const docs = typeof doc === 'string' ? [doc] : Array.isArray(doc) ? doc : null
  if (docs === null || docs.length === 0 || !docs.every((d) => typeof d === 'string' && d !== '')) {
    return 'token has no document claim (doc)'
  }
  if (access !== 'read' && access !== 'write') return 'token access must be "read" or "write"'
  const name = typeof payload.name === 'string' && payload.name !== '' ? payload.name : null
  return { sub, docs: docs as string[], access, exp, name }
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid'
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim invalid: ${error.claim}`
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed'
  if (error instanceof errors.JOSEError) return 'token invalid'
  return 'token invalid'
}
