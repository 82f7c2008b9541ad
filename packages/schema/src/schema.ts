/**
 * The document schema. Node and mark names follow Tiptap's StarterKit (`bulletList`,
 * `codeBlock`, `bold`…), so a Tiptap editor on the same `Y.XmlFragment` reads and writes the
 * same document. A y-prosemirror client deletes elements its schema does not know, which is
 * why matching names matters more than matching ProseMirror's basic schema.
 */
import { type DOMOutputSpec, type MarkSpec, type NodeSpec, Schema } from 'prosemirror-model'

const HEADING_LEVELS = [1, 2, 3] as const

/** Link targets that are safe to render as `href`; anything else is dropped on paste. */
export function isSafeHref(href: string): boolean {
  return /^(https?:|mailto:|tel:|#|\/)/i.test(href.trim())
}

const nodes: Record<string, NodeSpec> = {
  doc: { content: 'block+' },
  paragraph: {
    content: 'inline*',
    group: 'block',
    parseDOM: [{ tag: 'p' }],
    toDOM: (): DOMOutputSpec => ['p', 0],
  },
  heading: {
    attrs: { level: { default: 1, validate: 'number' } },
    content: 'inline*',
    group: 'block',
    defining: true,
    parseDOM: HEADING_LEVELS.map((level) => ({ tag: `h${level}`, attrs: { level } })),
    // Levels beyond 3 (from another client) render as h3 rather than failing.
    toDOM: (node): DOMOutputSpec => [`h${Math.min(3, Math.max(1, Number(node.attrs.level)))}`, 0],
  },
  blockquote: {
    content: 'block+',
    group: 'block',
    defining: true,
    parseDOM: [{ tag: 'blockquote' }],
    toDOM: (): DOMOutputSpec => ['blockquote', 0],
  },
  codeBlock: {
    attrs: { language: { default: null } },
    content: 'text*',
    marks: '',
    group: 'block',
    code: true,
    defining: true,
    parseDOM: [{ tag: 'pre', preserveWhitespace: 'full' }],
    toDOM: (): DOMOutputSpec => ['pre', ['code', 0]],
  },
  horizontalRule: {
    group: 'block',
    parseDOM: [{ tag: 'hr' }],
    toDOM: (): DOMOutputSpec => ['hr'],
  },
  bulletList: {
    content: 'listItem+',
    group: 'block',
    parseDOM: [{ tag: 'ul' }],
    toDOM: (): DOMOutputSpec => ['ul', 0],
  },
  orderedList: {
    attrs: { start: { default: 1, validate: 'number' } },
    content: 'listItem+',
    group: 'block',
    parseDOM: [
      {
        tag: 'ol',
        getAttrs: (dom) => ({
          start: Number((dom as HTMLElement).getAttribute('start') ?? 1) || 1,
        }),
      },
    ],
    toDOM: (node): DOMOutputSpec =>
      node.attrs.start === 1 ? ['ol', 0] : ['ol', { start: node.attrs.start }, 0],
  },
  listItem: {
    content: 'paragraph block*',
    defining: true,
    parseDOM: [{ tag: 'li' }],
    toDOM: (): DOMOutputSpec => ['li', 0],
  },
  text: { group: 'inline' },
  hardBreak: {
    inline: true,
    group: 'inline',
    selectable: false,
    // A line break in plain text (`Node.textContent`, `textBetween`).
    leafText: () => '\n',
    parseDOM: [{ tag: 'br' }],
    toDOM: (): DOMOutputSpec => ['br'],
  },
}

const marks: Record<string, MarkSpec> = {
  link: {
    attrs: { href: { validate: 'string' }, target: { default: null } },
    inclusive: false,
    parseDOM: [
      {
        tag: 'a[href]',
        getAttrs: (dom) => {
          const href = (dom as HTMLElement).getAttribute('href') ?? ''
          return isSafeHref(href) ? { href } : false
        },
      },
    ],
    // Rendered without target so links never open a window the page does not expect.
    toDOM: (mark): DOMOutputSpec => [
      'a',
      {
        href: isSafeHref(String(mark.attrs.href)) ? mark.attrs.href : '#',
        rel: 'noopener noreferrer nofollow',
      },
      0,
    ],
  },
  bold: {
    parseDOM: [
      { tag: 'strong' },
      // Google Docs wraps everything in <b style="font-weight:normal">.
      { tag: 'b', getAttrs: (node) => (node as HTMLElement).style.fontWeight !== 'normal' && null },
      {
        style: 'font-weight',
        getAttrs: (value) => /^(bold(er)?|[5-9]\d{2,})$/.test(value as string) && null,
      },
    ],
    toDOM: (): DOMOutputSpec => ['strong', 0],
  },
  italic: {
    parseDOM: [{ tag: 'i' }, { tag: 'em' }, { style: 'font-style=italic' }],
    toDOM: (): DOMOutputSpec => ['em', 0],
  },
  underline: {
    parseDOM: [{ tag: 'u' }, { style: 'text-decoration=underline' }],
    toDOM: (): DOMOutputSpec => ['u', 0],
  },
  strike: {
    parseDOM: [{ tag: 's' }, { tag: 'del' }, { style: 'text-decoration=line-through' }],
    toDOM: (): DOMOutputSpec => ['s', 0],
  },
  code: {
    excludes: '_',
    code: true,
    parseDOM: [{ tag: 'code' }],
    toDOM: (): DOMOutputSpec => ['code', 0],
  },
}

/**
 * The Weft editor schema: paragraphs, headings 1–3, blockquote, code block, horizontal rule,
 * bullet and ordered lists, hard break; marks bold, italic, underline, strike, inline code
 * and link.
 */
export const schema = new Schema({ nodes, marks })

/** The highest heading level the toolbar and shortcuts create. */
export const MAX_HEADING_LEVEL = HEADING_LEVELS.length
