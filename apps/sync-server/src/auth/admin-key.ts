/** The admin key: `Authorization: Bearer <key>` on admin endpoints. */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The bearer token of a request, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization
  if (header === undefined) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1] ?? null
}

/**
 * Whether the request carries `adminKey` as its bearer token. Always false when no admin key is
 * configured. Compared in constant time (of hashes, so lengths do not leak either).
 */
export function isAdminRequest(req: IncomingMessage, adminKey: string | null): boolean {
  if (adminKey === null) return false
  const given = bearerToken(req)
  if (given === null) return false
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(given), digest(adminKey))
}
