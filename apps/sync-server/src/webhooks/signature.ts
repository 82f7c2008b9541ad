/**
 * Signing webhook requests: `Weft-Signature: t=<unix seconds>,v1=<hex>`, where the hex is
 * HMAC-SHA256 with the shared secret over `<t>.<raw body>`. The timestamp is signed so a
 * captured request cannot be replayed later; receivers check it is recent. How to verify is
 * in `docs/WEBHOOKS.md`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header names of a delivery (lower case, as Node sees them). */
export const WebhookHeader = {
  signature: 'weft-signature',
  eventId: 'weft-event-id',
  eventType: 'weft-event-type',
  attempt: 'weft-delivery-attempt',
} as const

/**
 * The `Weft-Signature` value for `body` sent at `timestampSeconds`.
 *
 * @example
 * signWebhook(secret, body, Math.floor(Date.now() / 1000)) // "t=1700000000,v1=5d41…"
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `t=${timestampSeconds},v1=${mac}`
}

/**
 * Whether `header` is a valid signature of `body` with `secret`, made within `toleranceSeconds`
 * of `nowSeconds`. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (header === undefined) return false
  const parts = new Map<string, string>()
  for (const part of header.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const t = Number(parts.get('t'))
  const given = parts.get('v1')
  if (!Number.isInteger(t) || given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  return timingSafeEqual(expected, Buffer.from(given, 'hex'))
}
