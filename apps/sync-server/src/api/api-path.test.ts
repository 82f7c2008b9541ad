import { describe, expect, it } from 'vitest'
import { docNameOfApiUrl, parseApiPath } from './api-path.js'

describe('parseApiPath', () => {
  it.each([
    ['/api/docs', { kind: 'docs' }],
    ['/api/docs/', { kind: 'docs' }],
    ['/api/docs?limit=5', { kind: 'docs' }],
    ['/api/docs/notes', { kind: 'doc', name: 'notes' }],
    ['/api/docs/team%2Fnotes?format=text', { kind: 'doc', name: 'team/notes' }],
    ['/api/docs/%2e%2e', { kind: 'doc', name: '..' }],
    ['/api/docs/caf%C3%A9/update', { kind: 'update', name: 'café' }],
    ['/api/docs/notes/versions', { kind: 'versions', name: 'notes' }],
    ['/api/docs/notes/versions/12', { kind: 'version', name: 'notes', id: 12 }],
    ['/api/docs/notes/versions/12/restore', { kind: 'restore', name: 'notes', id: 12 }],
  ])('%s', (url, expected) => {
    expect(parseApiPath(url)).toEqual(expected)
  })

  it.each([
    '/api',
    '/api/',
    '/api/other',
    '/api/docs/notes/extra',
    '/api/docs/notes/update/x',
    '/api/docs/notes/versions/0',
    '/api/docs/notes/versions/01',
    '/api/docs/notes/versions/x',
    '/api/docs/notes/versions/1/undo',
    '/api/docs/notes/versions/1234567890123',
  ])('%s is not a route (404)', (url) => {
    expect(parseApiPath(url)).toMatchObject({ kind: 'invalid', status: 404 })
  })

  it.each([
    ['/api/docs/%E0%A4%A', /percent-encoding/],
    ['/api/docs/a%00b', /control characters/],
    [`/api/docs/${'x'.repeat(513)}`, /longer than 512/],
    ['/api/docs//versions', /must name a document/],
  ])('%s has a bad document name (400)', (url, reason) => {
    const parsed = parseApiPath(url)
    expect(parsed).toMatchObject({ kind: 'invalid', status: 400 })
    expect(parsed?.kind === 'invalid' ? parsed.reason : '').toMatch(reason)
  })

  it('ignores paths outside /api/', () => {
    for (const url of ['/', '/apix', '/d/notes', '/healthz', undefined]) {
      expect(parseApiPath(url)).toBeNull()
    }
  })

  it('gives the document name of document routes only', () => {
    expect(docNameOfApiUrl('/api/docs/a%2Fb/versions/1/restore')).toBe('a/b')
    expect(docNameOfApiUrl('/api/docs')).toBeNull()
    expect(docNameOfApiUrl('/api/docs/a%00')).toBeNull()
    expect(docNameOfApiUrl('/notes')).toBeNull()
  })
})
