/** Minting access tokens, for host apps and the `weft-server token` command. */
import { type CryptoKey, type KeyObject, SignJWT } from 'jose'
import type { Access } from './grant.js'

/** What a token grants. */
export interface TokenOptions {
  /** The user id (`sub`). */
  readonly user: string
  /** A document name, a prefix ending in `*`, or `*`; or several. */
  readonly doc: string | readonly string[]
  readonly access: Access
  /** Lifetime in seconds. */
  readonly ttlSeconds: number
  /** Display name shown to other users (optional). */
  readonly name?: string
  /** HS256 secret (the server's `--auth-secret`), or a private key for ES256/RS256. */
  readonly key: string | Uint8Array | CryptoKey | KeyObject
  /** Signing algorithm for a private key; HS256 for a secret. */
  readonly algorithm?: 'HS256' | 'ES256' | 'RS256'
  /** Current time in ms (for tests); defaults to now. */
  readonly now?: number
}

/**
 * Create a signed access token.
 *
 * @example
 * const token = await createToken({
 *   key: process.env.WEFT_AUTH_SECRET, user: 'u-42', name: 'Ada', doc: 'team/*',
 *   access: 'write', ttlSeconds: 3600,
 * })
 * new WebsocketProvider(url, 'team/notes', doc, { params: { token } })
 */
export async function createToken(options: TokenOptions): Promise<string> {
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000)
  const secret =
    typeof options.key === 'string' ? new TextEncoder().encode(options.key) : options.key
  const algorithm = options.algorithm ?? 'HS256'
  const claims: Record<string, unknown> = {
    doc: typeof options.doc === 'string' ? options.doc : [...options.doc],
    access: options.access,
  }
  if (options.name !== undefined) claims.name = options.name
  return new SignJWT(claims)
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setSubject(options.user)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + options.ttlSeconds)
    .sign(secret)
}
