/** The landing page: start a new document or open one by name. */
import { cleanDocName, docPath, randomDocName } from './doc-names.js'
import { h } from './dom.js'
import { loadRecent } from './identity.js'

/** Render the landing page into `root`; `go` navigates to an app path. */
export function renderLanding(
  root: HTMLElement,
  storage: Storage,
  go: (path: string) => void,
): () => void {
  document.title = 'Weft — write together'
  const input = h('input', {
    type: 'text',
    name: 'doc',
    id: 'open-name',
    placeholder: 'e.g. team-notes',
    autocomplete: 'off',
    'aria-describedby': 'open-hint',
  })
  const hint = h(
    'p',
    { class: 'hint', id: 'open-hint' },
    'Anyone with the same name opens the same document.',
  )
  const form = h(
    'form',
    { class: 'open-form' },
    h('label', { for: 'open-name' }, 'Open a document by name'),
    h(
      'div',
      { class: 'open-form__row' },
      input,
      h('button', { type: 'submit', class: 'button' }, 'Open'),
    ),
    hint,
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const name = cleanDocName(input.value)
    if (name === null) {
      hint.textContent = 'Type a name of 1 to 120 characters.'
      hint.classList.add('hint--error')
      input.focus()
      return
    }
    go(docPath(name))
  })
  const recent = loadRecent(storage)
  root.replaceChildren(
    h(
      'main',
      { class: 'landing' },
      h(
        'section',
        { class: 'card' },
        h(
          'div',
          { class: 'brand brand--large' },
          h('span', { class: 'brand__mark' }, 'W'),
          h('span', { class: 'brand__name' }, 'Weft'),
        ),
        h('p', { class: 'tagline' }, 'Write together, in real time — even offline.'),
        h(
          'button',
          {
            type: 'button',
            class: 'button button--primary button--large',
            id: 'new-doc',
            onclick: () => go(docPath(randomDocName())),
          },
          'New document',
        ),
        h('div', { class: 'divider' }, h('span', {}, 'or')),
        form,
        recent.length > 0 &&
          h(
            'nav',
            { class: 'recent', 'aria-label': 'Recent documents' },
            h('h2', {}, 'Recent'),
            h(
              'ul',
              {},
              ...recent.map((name) => h('li', {}, h('a', { href: docPath(name) }, name))),
            ),
          ),
      ),
    ),
  )
  return () => root.replaceChildren()
}
