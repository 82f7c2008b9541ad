/**
 * "History": the document's saved versions in a side panel — save one with a label, preview
 * one read-only (a non-editable ProseMirror view with the editor's schema), restore it.
 * Restoring needs no confirmation: the server keeps what it replaces as a version, so a
 * restore is undone by restoring that one.
 */
import { parseDocJson, schema } from '@weft/schema'
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { h } from './dom.js'
import { formatSize, formatTime, versionTitle } from './history-format.js'
import type { VersionSummary, VersionsApi } from './versions-api.js'

/** What the panel works with. */
export interface HistoryPanelOptions {
  readonly api: VersionsApi
  /** The current time, for "today" in version times. */
  readonly now?: () => Date
}

/** The panel and the button that opens it. */
export interface HistoryPanel {
  readonly element: HTMLElement
  readonly button: HTMLButtonElement
  open(): void
  close(): void
  destroy(): void
}

/** Build the panel (closed). */
export function createHistoryPanel(options: HistoryPanelOptions): HistoryPanel {
  const { api } = options
  const now = options.now ?? (() => new Date())
  let preview: EditorView | null = null
  let previewing: VersionSummary | null = null
  let destroyed = false
  /** Bumped on every load, so an older answer arriving late is ignored. */
  let generation = 0

  const button = h(
    'button',
    {
      type: 'button',
      class: 'button history-button',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      'aria-controls': 'history',
    },
    'History',
  )
  const closeButton = h(
    'button',
    { type: 'button', class: 'history__close', 'aria-label': 'Close history' },
    '×',
  )
  const labelInput = h('input', {
    type: 'text',
    id: 'version-label',
    class: 'history__label-input',
    maxlength: 200,
    placeholder: 'e.g. Sent for review',
    autocomplete: 'off',
  })
  const saveButton = h(
    'button',
    { type: 'submit', class: 'button button--primary' },
    'Save version',
  )
  const message = h('p', { class: 'hint history__message', role: 'status', 'aria-live': 'polite' })
  const list = h('ol', { class: 'history__list', 'aria-label': 'Versions' })
  const listView = h(
    'section',
    { class: 'history__versions' },
    h(
      'form',
      { class: 'history__save', onsubmit: (event: Event) => onSave(event) },
      h('label', { for: 'version-label' }, 'Label for a new version'),
      h('div', { class: 'history__save-row' }, labelInput, saveButton),
    ),
    message,
    list,
  )
  const previewTitle = h('h3', { class: 'history__preview-title' })
  const previewMeta = h('p', { class: 'history__meta' })
  const previewDoc = h('div', {
    class: 'history__doc weft-editor',
    'aria-label': 'Version content',
  })
  const restoreButton = h(
    'button',
    { type: 'button', class: 'button button--primary history__restore' },
    'Restore this version',
  )
  const previewMessage = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' })
  const previewView = h(
    'section',
    { class: 'history__preview', hidden: true },
    h(
      'button',
      { type: 'button', class: 'history__back', onclick: () => showList() },
      '← All versions',
    ),
    previewTitle,
    previewMeta,
    previewDoc,
    previewMessage,
    restoreButton,
  )
  const element = h(
    'aside',
    {
      class: 'history',
      id: 'history',
      role: 'dialog',
      'aria-label': 'Version history',
      hidden: true,
    },
    h('header', { class: 'history__header' }, h('h2', {}, 'History'), closeButton),
    h('div', { class: 'history__body' }, listView, previewView),
  )

  const say = (target: HTMLElement, text: string, isError = false): void => {
    target.textContent = text
    target.classList.toggle('hint--error', isError)
  }
  const explain = (error: unknown): string =>
    error instanceof Error ? error.message : 'Something went wrong.'

  async function load(): Promise<void> {
    const mine = ++generation
    list.setAttribute('aria-busy', 'true')
    try {
      const versions = await api.list()
      if (mine !== generation || destroyed) return
      renderList(versions)
    } catch (error) {
      if (mine === generation && !destroyed) say(message, explain(error), true)
    } finally {
      if (mine === generation) list.removeAttribute('aria-busy')
    }
  }

  function renderList(versions: readonly VersionSummary[]): void {
    if (versions.length === 0) {
      list.replaceChildren(
        h(
          'li',
          { class: 'history__empty' },
          'No versions yet. One is saved automatically while you edit, or save one now.',
        ),
      )
      return
    }
    list.replaceChildren(
      ...versions.map((version) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'version',
              'data-version-id': version.id,
              onclick: () => void showPreview(version),
            },
            h('span', { class: 'version__title' }, versionTitle(version)),
            h('span', { class: 'history__meta' }, meta(version)),
          ),
        ),
      ),
    )
  }

  const meta = (version: VersionSummary): string =>
    `${formatTime(version.createdAt, now())} · ${formatSize(version.size)}`

  async function onSave(event: Event): Promise<void> {
    event.preventDefault()
    saveButton.disabled = true
    say(message, 'Saving…')
    try {
      const saved = await api.save(labelInput.value.trim() || null)
      if (destroyed) return
      labelInput.value = ''
      say(message, `Saved “${versionTitle(saved)}”.`)
      await load()
    } catch (error) {
      if (!destroyed) say(message, explain(error), true)
    } finally {
      saveButton.disabled = false
    }
  }

  async function showPreview(version: VersionSummary): Promise<void> {
    previewing = version
    previewTitle.textContent = versionTitle(version)
    previewMeta.textContent = meta(version)
    say(previewMessage, 'Loading…')
    restoreButton.disabled = true
    setView('preview')
    destroyPreview()
    try {
      const content = await api.content(version.id)
      if (previewing !== version || destroyed) return
      const parsed = parseDocJson(content)
      if (!parsed.ok) {
        say(previewMessage, 'This version has content the editor cannot show.', true)
        return
      }
      preview = new EditorView(previewDoc, {
        state: EditorState.create({ schema, doc: parsed.node }),
        editable: () => false,
        attributes: { 'aria-readonly': 'true', class: 'history__doc-content' },
      })
      say(previewMessage, '')
      restoreButton.disabled = false
    } catch (error) {
      if (previewing === version && !destroyed) say(previewMessage, explain(error), true)
    }
  }

  async function onRestore(): Promise<void> {
    const version = previewing
    if (version === null) return
    restoreButton.disabled = true
    say(previewMessage, 'Restoring…')
    try {
      const result = await api.restore(version.id)
      if (destroyed) return
      showList()
      say(
        message,
        result.changed
          ? `Restored “${versionTitle(version)}”. What it replaced is kept as a version.`
          : 'The document already has this content.',
      )
      await load()
    } catch (error) {
      if (!destroyed) say(previewMessage, explain(error), true)
      restoreButton.disabled = false
    }
  }

  function showList(): void {
    previewing = null
    destroyPreview()
    setView('list')
  }

  function setView(view: 'list' | 'preview'): void {
    listView.hidden = view !== 'list'
    previewView.hidden = view !== 'preview'
  }

  function destroyPreview(): void {
    preview?.destroy()
    preview = null
    previewDoc.replaceChildren()
  }

  const setOpen = (open: boolean): void => {
    element.hidden = !open
    button.setAttribute('aria-expanded', String(open))
    document.body.classList.toggle('history-open', open)
    if (open) {
      showList()
      say(message, '')
      void load()
      closeButton.focus()
    }
  }
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && !element.hidden) {
      setOpen(false)
      button.focus()
    }
  }

  button.addEventListener('click', () => setOpen(element.hidden))
  closeButton.addEventListener('click', () => {
    setOpen(false)
    button.focus()
  })
  restoreButton.addEventListener('click', () => void onRestore())
  document.addEventListener('keydown', onKey)

  return {
    element,
    button,
    open: () => setOpen(true),
    close: () => setOpen(false),
    destroy() {
      destroyed = true
      destroyPreview()
      document.removeEventListener('keydown', onKey)
      document.body.classList.remove('history-open')
      element.remove()
    },
  }
}
