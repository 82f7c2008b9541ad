import { describe, expect, it } from 'vitest'
import { createProxyTrust } from './client-address.js'

describe('client address behind trusted proxies', () => {
  const trust = createProxyTrust(['10.0.0.0/8', '127.0.0.1', 'fd00::/8'])
  if (trust === null) throw new Error('trust expected')

  it('trusts nobody without entries', () => {
    expect(createProxyTrust([])).toBeNull()
  })

  it('ignores the header from a connection that is not a trusted proxy', () => {
    expect(trust.clientAddress('203.0.113.9', '10.0.0.1')).toBe('203.0.113.9')
    expect(trust.isTrusted('203.0.113.9')).toBe(false)
  })

  it('takes the rightmost address that is not a trusted proxy', () => {
    // A client claiming to be 198.51.100.1, through two proxies of ours.
    expect(trust.clientAddress('10.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.2')).toBe(
      '203.0.113.9',
    )
    // Repeated headers count as one list.
    expect(trust.clientAddress('10.0.0.1', ['198.51.100.1', '203.0.113.9'])).toBe('203.0.113.9')
  })

  it('falls back to the last trusted hop when the header is missing, spent or garbage', () => {
    expect(trust.clientAddress('10.0.0.1', undefined)).toBe('10.0.0.1')
    expect(trust.clientAddress('10.0.0.1', '10.0.0.2')).toBe('10.0.0.2')
    expect(trust.clientAddress('10.0.0.1', '203.0.113.9, not-an-address, 10.0.0.2')).toBe(
      '10.0.0.2',
    )
    expect(trust.clientAddress('10.0.0.1', '')).toBe('10.0.0.1')
  })

  it('reads IPv4-mapped and bracketed IPv6 addresses', () => {
    expect(trust.isTrusted('::ffff:127.0.0.1')).toBe(true)
    expect(trust.isTrusted('::ffff:127.0.0.2')).toBe(false)
    expect(trust.clientAddress('::ffff:10.1.2.3', '[2001:db8::7]')).toBe('2001:db8::7')
    expect(trust.clientAddress('fd00::1', '2001:db8::7, fd12::3')).toBe('2001:db8::7')
  })
})
