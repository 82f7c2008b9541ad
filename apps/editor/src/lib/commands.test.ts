import { schema } from '@weft/schema'
import { EditorState, TextSelection } from 'prosemirror-state'
import { describe, expect, it } from 'vitest'
import { COMMANDS, linkAt, setLink } from './commands.js'

function stateWith(text: string, from: number, to = from): EditorState {
  const doc = schema.node('doc', null, [
    schema.node('paragraph', null, text ? [schema.text(text)] : []),
  ])
  const state = EditorState.create({ schema, doc })
  return state.apply(state.tr.setSelection(TextSelection.create(state.doc, from, to)))
}

function run(state: EditorState, command: keyof typeof COMMANDS): EditorState {
  let next = state
  COMMANDS[command].run(state, (tr) => {
    next = state.apply(tr)
  })
  return next
}

describe('commands', () => {
  it('toggles marks and reports them active', () => {
    const state = stateWith('hello world', 1, 6)
    expect(COMMANDS.bold.isActive(state)).toBe(false)
    const bold = run(state, 'bold')
    expect(COMMANDS.bold.isActive(bold)).toBe(true)
    expect(bold.doc.firstChild?.firstChild?.marks.map((m) => m.type.name)).toEqual(['bold'])
    expect(COMMANDS.bold.isActive(run(bold, 'bold'))).toBe(false)
  })

  it('turns a paragraph into a heading and into a list', () => {
    const heading = run(stateWith('title', 2), 'heading2')
    expect(heading.doc.firstChild?.type.name).toBe('heading')
    expect(heading.doc.firstChild?.attrs.level).toBe(2)
    expect(COMMANDS.heading2.isActive(heading)).toBe(true)
    expect(COMMANDS.heading1.isActive(heading)).toBe(false)
    const list = run(stateWith('item', 2), 'bulletList')
    expect(list.doc.firstChild?.type.name).toBe('bulletList')
    expect(COMMANDS.bulletList.isActive(list)).toBe(true)
  })

  it('links safe URLs only', () => {
    const state = stateWith('click me', 1, 6)
    let linked = state
    expect(setLink('javascript:alert(1)')(state, () => undefined)).toBe(false)
    expect(
      setLink('https://example.org')(state, (tr) => {
        linked = state.apply(tr)
      }),
    ).toBe(true)
    const inside = linked.apply(linked.tr.setSelection(TextSelection.create(linked.doc, 3)))
    expect(linkAt(inside)).toBe('https://example.org')
  })
})
