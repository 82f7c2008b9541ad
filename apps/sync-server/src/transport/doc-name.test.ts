import { describe, expect, it } from 'vitest'
import { MAX_DOC_NAME_BYTES, parseDocName } from './doc-name.js'

describe('parseDocName', () => {
  it.each([
    ['/notes', 'notes'],
    ['/notes?token=abc', 'notes'],
    ['/team%2Fnotes', 'team/notes'],
    ['/team/notes', 'team/notes'],
    ['/..%2F..%2Fetc%2Fpasswd', '../../etc/passwd'],
    ['/%F0%9F%98%80', '😀'],
    ['/a%20b#frag', 'a b'],
  ])('accepts %s as %s', (url, name) => {
    expect(parseDocName(url)).toEqual({ ok: true, name })
  })

  it.each([
    [undefined],
    [''],
    ['/'],
    ['/?token=1'],
    ['/%00'],
    ['/a%0Ab'],
    ['/%E0%A4%A'],
    ['/%ED%A0%80'],
    ['/%C2%85'],
    [`/${'x'.repeat(MAX_DOC_NAME_BYTES + 1)}`],
    [`/${'%F0%9F%98%80'.repeat(MAX_DOC_NAME_BYTES / 4 + 1)}`],
  ])('refuses %j', (url) => {
    expect(parseDocName(url).ok).toBe(false)
  })
})
