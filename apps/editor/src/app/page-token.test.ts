import { describe, expect, it } from 'vitest'
import { resolvePageToken } from './page-token.js'

/** A Storage over a Map (sessionStorage's interface, without a browser). */
function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => items.delete(key),
    setItem: (key, value) => items.set(key, value),
  }
}

describe('resolvePageToken', () => {
  it('takes the token out of the fragment and keeps it for the session', () => {
    const storage = memoryStorage()
    expect(resolvePageToken('notes', '#token=abc.def', storage)).toEqual({
      token: 'abc.def',
      hash: '',
    })
    // Later in the session, without the fragment: the same token.
    expect(resolvePageToken('notes', '', storage)).toEqual({ token: 'abc.def', hash: null })
    // Tokens are per document.
    expect(resolvePageToken('other', '', storage)).toEqual({ token: null, hash: null })
  })

  it('leaves the rest of the fragment as it was', () => {
    const storage = memoryStorage()
    expect(resolvePageToken('notes', '#x=1&token=t&y=2', storage)).toEqual({
      token: 't',
      hash: '#x=1&y=2',
    })
    expect(resolvePageToken('notes', '#section', storage)).toEqual({ token: 't', hash: null })
  })
})
