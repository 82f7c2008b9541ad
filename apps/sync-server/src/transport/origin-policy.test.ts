import { describe, expect, it } from 'vitest'
import { isOriginAllowed } from './origin-policy.js'

describe('isOriginAllowed', () => {
  const list = ['https://app.example.com', 'https://*.tenant.io', 'http://localhost:5173']
  it.each([
    [undefined, 'weft.local', [], true],
    ['https://evil.example', 'weft.local', ['*'], true],
    ['http://weft.local:1234', 'weft.local:1234', [], true],
    ['http://WEFT.local:1234', 'weft.local:1234', [], true],
    ['https://app.example.com', 'weft.local', list, true],
    ['https://app.example.com/', 'weft.local', list, true],
    ['https://a.tenant.io', 'weft.local', list, true],
    ['https://a.b.tenant.io', 'weft.local', list, true],
    ['http://localhost:5173', 'weft.local', list, true],
    ['null', 'weft.local', ['null'], true],
  ])('allows %s (host %s, list %j)', (origin, host, allowed, expected) => {
    expect(isOriginAllowed(origin, host, allowed)).toBe(expected)
  })

  it.each([
    ['https://evil.example', 'weft.local', []],
    ['http://weft.local:1235', 'weft.local:1234', []],
    ['https://tenant.io', 'weft.local', list],
    ['https://eviltenant.io', 'weft.local', list],
    ['http://a.tenant.io', 'weft.local', list],
    ['https://app.example.com.evil.io', 'weft.local', list],
    ['http://localhost:5174', 'weft.local', list],
    ['null', 'weft.local', list],
    ['not a url', 'weft.local', list],
  ])('refuses %s (host %s, list %j)', (origin, host, allowed) => {
    expect(isOriginAllowed(origin, host, allowed)).toBe(false)
  })
})
