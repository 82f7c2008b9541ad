import { describe, expect, it } from 'vitest'
import { parseDocJson } from './parse-doc-json.js'

const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] })

describe('parseDocJson', () => {
  it('accepts a valid document and returns the node', () => {
    const json = {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Title' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'bold', marks: [{ type: 'bold' }] },
            { type: 'hardBreak' },
            { type: 'text', text: 'link', marks: [{ type: 'link', attrs: { href: '/x' } }] },
          ],
        },
        { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph('item')] }] },
      ],
    }
    const result = parseDocJson(json)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.node.toJSON()).toMatchObject({ type: 'doc' })
    // A hard break is a line break in plain text.
    expect(result.node.textBetween(0, result.node.content.size, '\n')).toBe(
      'Title\nbold\nlink\nitem',
    )
  })

  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    ['doc', /JSON object/],
    [{ type: 'paragraph' }, /"doc" node/],
    [{ type: 'doc', content: [] }, /Invalid content/],
    [{ type: 'doc', content: [{ type: 'video' }] }, /Unknown node type/],
    [{ type: 'doc', content: 'text' }, /Invalid input/],
    [{ type: 'doc', content: [null] }, /Invalid input/],
    [{ type: 'doc', content: [{ type: 'text', text: 'loose' }] }, /Invalid content/],
    [
      { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] },
      /Empty text/,
    ],
    [
      {
        type: 'doc',
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'x', marks: [{ type: 'glow' }] }] },
        ],
      },
      /no mark type glow/i,
    ],
    [{ type: 'doc', content: [{ type: 'heading', attrs: { level: 'one' } }] }, /level/],
    [
      { type: 'doc', content: [{ type: 'listItem', content: [paragraph('x')] }] },
      /Invalid content/,
    ],
  ])('refuses %j', (json, reason) => {
    const result = parseDocJson(json)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.reason).toMatch(reason)
  })

  it('refuses deep nesting before ProseMirror recurses into it', () => {
    let node: Record<string, unknown> = paragraph('deep')
    for (let i = 0; i < 100_000; i++) node = { type: 'blockquote', content: [node] }
    const result = parseDocJson({ type: 'doc', content: [node] }, { maxDepth: 50 })
    expect(result).toEqual({ ok: false, reason: 'nodes are nested more than 50 deep' })
  })

  it('accepts nesting up to the limit', () => {
    let node: Record<string, unknown> = paragraph('deep')
    for (let i = 0; i < 8; i++) node = { type: 'blockquote', content: [node] }
    // doc (1) > 8 blockquotes > paragraph > text = 11
    expect(parseDocJson({ type: 'doc', content: [node] }, { maxDepth: 11 }).ok).toBe(true)
    expect(parseDocJson({ type: 'doc', content: [node] }, { maxDepth: 10 }).ok).toBe(false)
  })
})
