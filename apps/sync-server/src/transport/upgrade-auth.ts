/**
 * Decides whether a WebSocket upgrade may proceed, and with which grant: origin, then the
 * access token. Runs before the upgrade, so a refused client costs no WebSocket.
 */
import type { IncomingMessage } from 'node:http'
import { type Grant, OPEN_GRANT } from '../auth/grant.js'
import type { TokenVerifier } from '../auth/token-verifier.js'
import { CloseCode } from '../protocol/close-codes.js'
import { isOriginAllowed } from './origin-policy.js'

/** The subprotocol a client names to pass its token as the second protocol entry. */
export const TOKEN_SUBPROTOCOL = 'weft'

/** The outcome of checking an upgrade request. */
export type UpgradeDecision =
  | { readonly ok: true; readonly grant: Grant }
  | {
      readonly ok: false
      readonly status: 401 | 403
      readonly closeCode: number
      readonly reason: string
    }

/**
 * The token of an upgrade request: the `token` query parameter, or the entry after `weft` in
 * `Sec-WebSocket-Protocol` (`new WebSocket(url, ['weft', token])`).
 */
export function tokenOf(req: IncomingMessage): string | null {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token')
  if (query !== null && query !== '') return query
  const protocols = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (!protocols.includes(TOKEN_SUBPROTOCOL)) return null
  return protocols.find((p) => p !== TOKEN_SUBPROTOCOL) ?? null
}

/** Check origin and token of an upgrade for `docName`. */
export async function decideUpgrade(
  req: IncomingMessage,
  docName: string,
  options: { allowedOrigins: readonly string[]; verifier: TokenVerifier | null },
): Promise<UpgradeDecision> {
  if (!isOriginAllowed(req.headers.origin, req.headers.host, options.allowedOrigins)) {
    return { ok: false, status: 403, closeCode: CloseCode.forbidden, reason: 'origin not allowed' }
  }
  if (options.verifier === null) return { ok: true, grant: OPEN_GRANT }
  const check = await options.verifier.check(tokenOf(req), docName)
  if (check.ok) return { ok: true, grant: check.grant }
  return {
    ok: false,
    status: check.status,
    closeCode: check.status === 401 ? CloseCode.unauthorized : CloseCode.forbidden,
    reason: check.reason,
  }
}
