/** Turns the auth configuration (a secret, or a PEM / JWKS file) into a `VerificationKey`. */

import { createPublicKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../config/parse-value.js'
import type { VerificationKey } from './token-verifier.js'

/** Shortest accepted HS256 secret: 256 bits, as RFC 7518 requires for HS256 keys. */
export const MIN_SECRET_BYTES = 32

/**
 * Load the verification key from `--auth-secret` or `--auth-public-key` (a PEM public key or a
 * JWKS file; the option may also hold the PEM text itself). Null when neither is set.
 *
 * @throws {ConfigError} for a short secret, an unreadable file or an unusable key.
 */
export async function loadVerificationKey(options: {
  authSecret: string | null
  authPublicKey: string | null
}): Promise<VerificationKey | null> {
  const { authSecret, authPublicKey } = options
  if (authSecret !== null && authPublicKey !== null) {
    throw new ConfigError('set either --auth-secret or --auth-public-key, not both')
  }
  if (authSecret !== null) {
    const secret = new TextEncoder().encode(authSecret)
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new ConfigError(`--auth-secret must be at least ${MIN_SECRET_BYTES} bytes`)
    }
    return { kind: 'secret', secret }
  }
  if (authPublicKey === null) return null
  let text = authPublicKey
  if (!authPublicKey.trimStart().startsWith('-----BEGIN')) {
    try {
      text = await readFile(authPublicKey, 'utf8')
    } catch (error) {
      throw new ConfigError(
        `--auth-public-key: cannot read ${authPublicKey} (${(error as NodeJS.ErrnoException).code})`,
      )
    }
  }
  if (text.trimStart().startsWith('{')) {
    let jwks: unknown
    try {
      jwks = JSON.parse(text)
    } catch {
      throw new ConfigError('--auth-public-key: file is neither PEM nor valid JWKS JSON')
    }
    if (!Array.isArray((jwks as { keys?: unknown }).keys)) {
      throw new ConfigError('--auth-public-key: JWKS must have a "keys" array')
    }
    return { kind: 'jwks', jwks: jwks as { keys: object[] } }
  }
  let key: ReturnType<typeof createPublicKey>
  try {
    key = createPublicKey(text)
  } catch {
    throw new ConfigError('--auth-public-key: not a PEM public key')
  }
  const type = key.asymmetricKeyType
  if (type === 'ec') return { kind: 'public-key', key, algorithms: ['ES256'] }
  if (type === 'rsa') return { kind: 'public-key', key, algorithms: ['RS256'] }
  throw new ConfigError(`--auth-public-key: unsupported key type ${type} (use EC P-256 or RSA)`)
}
