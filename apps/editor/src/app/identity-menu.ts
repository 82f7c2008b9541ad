/** "You": your avatar in the top bar, opening a small panel to change name and colour. */
import { readableColor } from '@weft/awareness'
import { avatar } from './avatars.js'
import { h } from './dom.js'
import type { Identity } from './identity.js'

/** The menu; `onChange` gets every edit (already cleaned). */
export function createIdentityMenu(
  initial: Identity,
  onChange: (identity: Identity) => void,
): { element: HTMLElement; destroy(): void } {
  let identity = initial
  const button = h('button', {
    type: 'button',
    class: 'identity-button',
    'aria-haspopup': 'dialog',
    'aria-expanded': 'false',
    title: 'Your name and colour',
  })
  const nameInput = h('input', {
    type: 'text',
    id: 'identity-name',
    maxlength: 64,
    autocomplete: 'nickname',
    value: identity.name,
  })
  const colorInput = h('input', { type: 'color', id: 'identity-color', value: identity.color })
  const panel = h(
    'div',
    { class: 'identity-panel', role: 'dialog', 'aria-label': 'Your name and colour', hidden: true },
    h('label', { for: 'identity-name' }, 'Your name'),
    nameInput,
    h('label', { for: 'identity-color' }, 'Your colour'),
    h(
      'div',
      { class: 'identity-panel__color' },
      colorInput,
      h('span', {}, 'Others see your cursor in it.'),
    ),
  )
  const element = h('div', { class: 'identity' }, button, panel)

  const render = (): void => {
    button.replaceChildren(avatar({ user: identity, status: 'active' }, 'avatar--self'))
  }
  const update = (): void => {
    const name = nameInput.value.trim().slice(0, 64)
    const color = readableColor(colorInput.value) ?? identity.color
    identity = { ...identity, name: name || identity.name, color }
    render()
    onChange(identity)
  }
  const setOpen = (open: boolean): void => {
    panel.hidden = !open
    button.setAttribute('aria-expanded', String(open))
    if (open) nameInput.focus()
  }
  const onDocumentClick = (event: MouseEvent): void => {
    if (!element.contains(event.target as Node)) setOpen(false)
  }
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && !panel.hidden) {
      setOpen(false)
      button.focus()
    }
  }

  button.addEventListener('click', () => setOpen(panel.hidden))
  nameInput.addEventListener('change', update)
  nameInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      update()
      setOpen(false)
    }
  })
  colorInput.addEventListener('input', update)
  document.addEventListener('click', onDocumentClick)
  document.addEventListener('keydown', onKey)
  render()
  return {
    element,
    destroy() {
      document.removeEventListener('click', onDocumentClick)
      document.removeEventListener('keydown', onKey)
    },
  }
}
