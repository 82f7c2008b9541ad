import { describe, expect, it } from 'vitest'
import { toWebSocketUrl } from './server-url.js'

describe('toWebSocketUrl', () => {
  it('maps http(s) to ws(s), resolves paths, drops query and trailing slash', () => {
    expect(toWebSocketUrl('https://example.org/', 'http://app.test/')).toBe('wss://example.org')
    expect(toWebSocketUrl('/', 'http://localhost:1234/d/x')).toBe('ws://localhost:1234')
    expect(toWebSocketUrl('/ws', 'https://app.test/d/x')).toBe('wss://app.test/ws')
    expect(toWebSocketUrl('ws://h:1/?a=b#c', 'http://x/')).toBe('ws://h:1')
  })

  it('refuses other schemes', () => {
    expect(() => toWebSocketUrl('ftp://example.org', 'http://x/')).toThrow(TypeError)
  })
})
