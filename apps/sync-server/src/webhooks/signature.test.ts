import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signWebhook, verifyWebhookSignature } from './signature.js'

const SECRET = 'whsec-test-secret-0123456789'
const BODY = '{"id":"e1","type":"room.opened","time":"2024-01-01T00:00:00.000Z","document":"a"}'

describe('webhook signatures', () => {
  it('is HMAC-SHA256 over "<t>.<body>", hex, with the timestamp', () => {
    const expected = createHmac('sha256', SECRET).update(`1700000000.${BODY}`).digest('hex')
    expect(signWebhook(SECRET, BODY, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`)
  })

  it('verifies its own signatures within the tolerance', () => {
    const header = signWebhook(SECRET, BODY, 1_700_000_000)
    expect(verifyWebhookSignature(SECRET, header, BODY, 1_700_000_100)).toBe(true)
    expect(verifyWebhookSignature(SECRET, header, BODY, 1_700_000_301)).toBe(false)
    expect(verifyWebhookSignature(SECRET, header, BODY, 1_699_999_699)).toBe(false)
  })

  it('refuses another secret, a changed body, and malformed headers', () => {
    const header = signWebhook(SECRET, BODY, 1_700_000_000)
    const now = 1_700_000_000
    expect(verifyWebhookSignature('other-secret', header, BODY, now)).toBe(false)
    expect(verifyWebhookSignature(SECRET, header, `${BODY} `, now)).toBe(false)
    for (const bad of [undefined, '', 't=1700000000', 'v1=00', 't=x,v1=zz', `${header}0`]) {
      expect(verifyWebhookSignature(SECRET, bad, BODY, now)).toBe(false)
    }
  })
})
