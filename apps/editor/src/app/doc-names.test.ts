import { describe, expect, it } from 'vitest'
import { cleanDocName, docNameFromPath, docPath, randomDocName } from './doc-names.js'

describe('doc names', () => {
  it('makes readable random names from the given random source', () => {
    let calls = 0
    const name = randomDocName((n) => (calls++ === 2 ? n - 1 : 0))
    expect(name).toBe('amber-acorn-999')
    expect(randomDocName()).toMatch(/^[a-z]+-[a-z]+-\d{3}$/)
  })

  it('round-trips names through paths, spaces and slashes included', () => {
    for (const name of ['team notes', 'a/b', 'ünïcode ✓', '100%']) {
      expect(docNameFromPath(docPath(name))).toBe(name)
    }
    expect(docNameFromPath('/')).toBeNull()
    expect(docNameFromPath('/d/%E0%A4%A')).toBeNull()
  })

  it('cleans typed names', () => {
    expect(cleanDocName('  my   notes ')).toBe('my notes')
    expect(cleanDocName('   ')).toBeNull()
    expect(cleanDocName('x'.repeat(121))).toBeNull()
  })
})
