/**
 * Which browser origins may open a WebSocket (against Cross-Site WebSocket Hijacking).
 * Pure: decides from the request's Origin and Host headers and the configured list.
 */

/**
 * Whether a WebSocket upgrade with this `Origin` may proceed.
 *
 * - No Origin header: a non-browser client (browsers always send one) — allowed.
 * - `allowed` contains `*` — any origin.
 * - The origin's host equals the request's Host — the page was served by this server.
 * - An entry equals the origin (`https://app.example.com`), or is a wildcard
 *   (`https://*.example.com`) matching a subdomain at any depth (not the bare domain).
 * - The opaque origin `null` (sandboxed frames, `file:` pages) only when listed as `null`.
 *
 * @example
 * isOriginAllowed('https://a.example.com', 'weft.example.com', ['https://*.example.com']) // true
 */
export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true
  if (allowed.includes('*')) return true
  const normalized = origin.trim().toLowerCase()
  if (normalized === 'null') return allowed.includes('null')
  let url: URL
  try {
    url = new URL(normalized)
  } catch {
    return false
  }
  if (host !== undefined && url.host === host.trim().toLowerCase()) return true
  const scheme = `${url.protocol}//`
  for (const entry of allowed) {
    const rule = entry.trim().toLowerCase().replace(/\/+$/, '')
    if (rule === `${scheme}${url.host}`) return true
    if (rule.startsWith(`${scheme}*.`)) {
      const suffix = rule.slice(scheme.length + 1) // ".example.com[:port]"
      if (url.host.endsWith(suffix) && url.host.length > suffix.length) return true
    }
  }
  return false
}
