/** The formatting toolbar: marks, blocks, lists, undo/redo, pressed state kept in sync. */
import type { CommandName, EditorHandle } from '../lib/index.js'
import { h } from './dom.js'

interface Item {
  readonly command: CommandName | 'link'
  readonly label: string
  readonly glyph: string
  readonly keys?: string
  readonly className?: string
}

const GROUPS: readonly (readonly Item[])[] = [
  [
    { command: 'undo', label: 'Undo', glyph: '↶', keys: 'Mod-Z' },
    { command: 'redo', label: 'Redo', glyph: '↷', keys: 'Mod-Shift-Z' },
  ],
  [
    { command: 'paragraph', label: 'Text', glyph: 'Text', className: 'wide' },
    { command: 'heading1', label: 'Heading 1', glyph: 'H1', keys: 'Mod-Alt-1' },
    { command: 'heading2', label: 'Heading 2', glyph: 'H2', keys: 'Mod-Alt-2' },
    { command: 'heading3', label: 'Heading 3', glyph: 'H3', keys: 'Mod-Alt-3' },
  ],
  [
    { command: 'bold', label: 'Bold', glyph: 'B', keys: 'Mod-B', className: 'bold' },
    { command: 'italic', label: 'Italic', glyph: 'I', keys: 'Mod-I', className: 'italic' },
    { command: 'underline', label: 'Underline', glyph: 'U', keys: 'Mod-U', className: 'underline' },
    {
      command: 'strike',
      label: 'Strikethrough',
      glyph: 'S',
      keys: 'Mod-Shift-S',
      className: 'strike',
    },
    { command: 'code', label: 'Inline code', glyph: '</>', keys: 'Mod-E', className: 'mono' },
    { command: 'link', label: 'Link', glyph: 'Link', className: 'wide' },
  ],
  [
    { command: 'bulletList', label: 'Bullet list', glyph: '•', keys: 'Mod-Shift-8' },
    { command: 'orderedList', label: 'Numbered list', glyph: '1.', keys: 'Mod-Shift-7' },
    { command: 'blockquote', label: 'Quote', glyph: '❝', keys: 'Mod-Shift-B' },
    {
      command: 'codeBlock',
      label: 'Code block',
      glyph: '{ }',
      keys: 'Mod-Alt-C',
      className: 'mono',
    },
    { command: 'horizontalRule', label: 'Divider', glyph: '—' },
  ],
]

/** Commands that do something once rather than toggle a format: no pressed state. */
const ACTIONS = new Set<Item['command']>(['undo', 'redo', 'horizontalRule'])

const isMac = (): boolean => /Mac|iPhone|iPad/.test(navigator.platform)
const shortcut = (keys: string): string =>
  keys.replace('Mod', isMac() ? '⌘' : 'Ctrl').replace('Alt', isMac() ? '⌥' : 'Alt')

/** Build the toolbar for `handle`; call `refresh` after each editor update. */
export function createToolbar(
  getHandle: () => EditorHandle | null,
  askForLink: (current: string | null) => string | null,
): { element: HTMLElement; refresh(): void } {
  const buttons = new Map<Item, HTMLButtonElement>()
  const run = (item: Item): void => {
    const handle = getHandle()
    if (handle === null) return
    if (item.command === 'link') {
      const href = askForLink(handle.linkAt())
      if (href !== null) handle.setLink(href === '' ? null : href)
    } else {
      handle.run(item.command)
    }
    handle.focus()
  }
  const element = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting' },
    ...GROUPS.map((group) =>
      h(
        'div',
        { class: 'toolbar__group' },
        ...group.map((item) => {
          const button = h(
            'button',
            {
              type: 'button',
              class: `tool ${item.className ?? ''}`.trim(),
              'aria-label': item.label,
              title: item.keys ? `${item.label} (${shortcut(item.keys)})` : item.label,
              'data-command': item.command,
              // Keep the editor's selection: a click must not move focus before the command.
              onmousedown: (event: Event) => event.preventDefault(),
              onclick: () => run(item),
            },
            item.glyph,
          )
          buttons.set(item, button)
          return button
        }),
      ),
    ),
  )
  return {
    element,
    refresh() {
      const handle = getHandle()
      for (const [item, button] of buttons) {
        const active =
          handle !== null &&
          (item.command === 'link' ? handle.linkAt() !== null : handle.isActive(item.command))
        if (!ACTIONS.has(item.command)) button.setAttribute('aria-pressed', String(active))
        button.disabled = handle === null || handle.readOnly
      }
    },
  }
}
