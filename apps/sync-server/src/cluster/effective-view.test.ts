import { describe, expect, it } from 'vitest'
import { effectiveMembers, sameMembers } from './effective-view.js'

const n = (id: string, url = `http://${id}:1`) => ({ id, url })

describe('effectiveMembers', () => {
  it('is the own list when nothing else is known', () => {
    expect(effectiveMembers([n('b'), n('a')], [])).toEqual([n('a'), n('b')])
  })

  it('adds nodes other nodes list (scale up: the new node is known at once)', () => {
    expect(effectiveMembers([n('a'), n('b')], [[n('a'), n('b'), n('c')]])).toEqual([
      n('a'),
      n('b'),
      n('c'),
    ])
  })

  it('keeps a leaving node while anyone still lists it', () => {
    const leaving = [n('a'), n('b')]
    expect(effectiveMembers(leaving, [[n('a'), n('b'), n('c')]]).map((m) => m.id)).toEqual([
      'a',
      'b',
      'c',
    ])
    expect(effectiveMembers(leaving, [leaving, leaving]).map((m) => m.id)).toEqual(['a', 'b'])
  })

  it('takes URLs from the own list first', () => {
    expect(effectiveMembers([n('a', 'http://mine:1')], [[n('a', 'http://theirs:1')]])).toEqual([
      n('a', 'http://mine:1'),
    ])
  })
})

describe('sameMembers', () => {
  it('compares ids and URLs in order', () => {
    expect(sameMembers([n('a')], [n('a')])).toBe(true)
    expect(sameMembers([n('a')], [n('a', 'http://x:2')])).toBe(false)
    expect(sameMembers([n('a')], [n('a'), n('b')])).toBe(false)
  })
})
