/**
 * `mountEditor`: a collaborative ProseMirror editor on one element, connected to a Weft (or
 * any y-websocket) server. `destroy()` undoes everything it did: listeners, socket, presence,
 * IndexedDB handle, timers, DOM nodes and attributes.
 */
import type { Peer } from '@weft/awareness'
import { schema } from '@weft/schema'
import { dropCursor } from 'prosemirror-dropcursor'
import { gapCursor } from 'prosemirror-gapcursor'
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { yCursorPlugin, ySyncPlugin, yUndoPlugin } from 'y-prosemirror'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { COMMANDS, type CommandName, linkAt, setLink } from './commands.js'
import { createConnection, type TokenSource } from './connection.js'
import { createCursorRendering } from './cursor-widgets.js'
import { type DocJson, seedIfEmpty } from './initial-content.js'
import { buildInputRules } from './input-rules.js'
import { buildKeymaps } from './keymap.js'
import { cacheName, type OfflineCache, openOfflineCache } from './offline-cache.js'
import { placeholderPlugin } from './placeholder.js'
import { createPresence, type EditorUser, normalizeUser } from './presence.js'
import { toWebSocketUrl } from './server-url.js'
import { type EditorStatus, sameStatus } from './status.js'

/** Options of `mountEditor`. Only `server` and `doc` are required. */
export interface EditorOptions {
  /** Server URL: `ws(s)://host[:port]`, `http(s)://…`, or a path relative to the page. */
  readonly server: string
  /** Document name (the WebSocket path). */
  readonly doc: string
  /**
   * Sent as `?token=`. A function is called before every connect and reconnect, so it can
   * fetch a fresh short-lived token; while it fails, the editor retries with back-off.
   */
  readonly token?: TokenSource
  /** Who is editing. Defaults: a random id per mount, "Anonymous", a colour from the id. */
  readonly user?: EditorUser
  /** Show the document without letting it be edited. Default false. */
  readonly readOnly?: boolean
  /** Keep a copy in IndexedDB for offline editing and instant loads. Default true. */
  readonly offlineCache?: boolean
  /**
   * Content (ProseMirror JSON of a `doc` node) for a document that is empty once synced.
   * Every client of a document must pass the same value (see `initial-content.ts`).
   */
  readonly initialContent?: DocJson
  /** Name of the shared `Y.XmlFragment`. Default `prosemirror`, as y-prosemirror and Tiptap use. */
  readonly fragment?: string
  /** Hint shown in an empty document. Default "Start writing…". */
  readonly placeholder?: string
  /** Inactivity after which others see you as idle. Default 60 000. */
  readonly idleAfterMs?: number
  /** Minimum time between cursor updates sent to others. Default 100. */
  readonly cursorIntervalMs?: number
  /** Also dispatched as the `weft-status` event on the element. */
  readonly onStatus?: (status: EditorStatus) => void
  /** Also dispatched as the `weft-peers` event on the element. */
  readonly onPeers?: (peers: readonly Peer[]) => void
  /** After every editor state change (selection or content), e.g. to update a toolbar. */
  readonly onUpdate?: (handle: EditorHandle) => void
  /** Errors the editor recovered from (token function failed, no IndexedDB). Default: console.warn. */
  readonly onError?: (error: unknown) => void
}

/** A mounted editor. */
export interface EditorHandle {
  readonly view: EditorView
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly status: EditorStatus
  readonly peers: readonly Peer[]
  readonly readOnly: boolean
  /** Run a named command (the toolbar's). Returns false when it does not apply here. */
  run(command: CommandName): boolean
  /** Whether a named command's format is active at the selection. */
  isActive(command: CommandName): boolean
  /** Link the selected text to `href`, or unlink it with null. Unsafe URLs are refused. */
  setLink(href: string | null): boolean
  /** The link target at the selection, if any. */
  linkAt(): string | null
  setUser(user: EditorUser): void
  setReadOnly(readOnly: boolean): void
  /**
   * Connect again now: after `status.refusal` (say, once access was granted again), or to
   * skip the back-off. A token function is asked for a fresh token.
   */
  reconnect(): void
  focus(): void
  /** Remove everything the editor added. Safe to call twice. */
  destroy(): void
}

/** The attributes the editor sets on its element. */
export const STATUS_ATTRIBUTES = [
  'data-weft-status',
  'data-weft-synced',
  'data-weft-unconfirmed',
  'data-weft-refusal',
] as const

function randomId(): string {
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Mount a collaborative editor into `element`.
 *
 * @example
 * const editor = mountEditor(document.querySelector('#editor'), {
 *   server: 'wss://weft.example.org',
 *   doc: 'team-notes',
 *   user: { id: user.id, name: user.name },
 * })
 * editor.destroy()
 */
export function mountEditor(element: HTMLElement, options: EditorOptions): EditorHandle {
  const report = options.onError ?? ((error: unknown) => console.warn('weft-editor:', error))
  const fragmentName = options.fragment ?? 'prosemirror'
  const serverUrl = toWebSocketUrl(options.server, document.baseURI)
  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment(fragmentName)
  const awareness = new Awareness(doc)
  let readOnly = options.readOnly ?? false
  let destroyed = false
  let status: EditorStatus = {
    connection: 'connecting',
    synced: false,
    unconfirmed: 0,
    refusal: null,
  }
  let handle: EditorHandle | null = null
  let seeded = options.initialContent === undefined
  let cacheReady = options.offlineCache === false

  const cache: OfflineCache | null =
    options.offlineCache === false
      ? null
      : openOfflineCache(cacheName(serverUrl, options.doc), doc, report)
  cache?.ready.then(() => {
    cacheReady = true
    update()
  })

  const emit = (type: string, detail: unknown): void => {
    element.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }

  let user = normalizeUser(options.user, randomId)
  const presence = createPresence({
    awareness,
    user,
    idleAfterMs: options.idleAfterMs ?? 60_000,
    cursorIntervalMs: options.cursorIntervalMs ?? 100,
    onPeers: (peers) => {
      if (destroyed) return
      options.onPeers?.(peers)
      emit('weft-peers', peers)
    },
  })

  const connection = createConnection({
    serverUrl,
    docName: options.doc,
    doc,
    awareness,
    token: options.token,
    isForeignOrigin: (origin) => cache !== null && origin === cache.origin,
    onChange: () => update(),
    onError: report,
  })

  function update(): void {
    if (destroyed) return
    if (!seeded && cacheReady && connection.provider.synced && options.initialContent) {
      seeded = true
      try {
        seedIfEmpty(doc, fragmentName, options.initialContent)
      } catch (error) {
        report(error)
      }
    }
    const next = connection.status()
    if (sameStatus(next, status)) return
    status = next
    showStatus()
    options.onStatus?.(status)
    emit('weft-status', status)
  }

  function showStatus(): void {
    element.setAttribute('data-weft-status', status.connection)
    element.setAttribute('data-weft-synced', String(status.synced))
    element.setAttribute('data-weft-unconfirmed', String(status.unconfirmed))
    if (status.refusal === null) element.removeAttribute('data-weft-refusal')
    else element.setAttribute('data-weft-refusal', String(status.refusal.code))
  }

  const rendering = createCursorRendering(awareness)
  const container = document.createElement('div')
  container.className = 'weft-editor'
  element.append(container)
  const view = new EditorView(container, {
    state: EditorState.create({
      schema,
      plugins: [
        ySyncPlugin(fragment),
        yCursorPlugin(presence.cursorAwareness, rendering),
        yUndoPlugin(),
        ...buildInputRules(),
        ...buildKeymaps(),
        dropCursor({ color: 'var(--weft-accent, #1f6feb)' as string, width: 2 }),
        gapCursor(),
        placeholderPlugin(options.placeholder ?? 'Start writing…'),
      ],
    }),
    editable: () => !readOnly,
    attributes: { 'aria-label': 'Document editor', 'aria-multiline': 'true', role: 'textbox' },
    handleDOMEvents: {
      keydown: () => {
        presence.noteActivity()
        return false
      },
      pointerdown: () => {
        presence.noteActivity()
        return false
      },
    },
    // `this`, not `view`: y-prosemirror dispatches while the view is still being constructed.
    dispatchTransaction(this: EditorView, tr) {
      this.updateState(this.state.apply(tr))
      if (handle !== null) options.onUpdate?.(handle)
    },
  })

  const refreshCursors = (): void => rendering.refresh(view.dom)
  awareness.on('change', refreshCursors)

  const run = (command: CommandName): boolean =>
    !readOnly && COMMANDS[command].run(view.state, view.dispatch, view)

  handle = {
    view,
    doc,
    awareness,
    get status() {
      return status
    },
    get peers() {
      return presence.peers()
    },
    get readOnly() {
      return readOnly
    },
    run,
    isActive: (command) => COMMANDS[command].isActive(view.state),
    setLink: (href) => !readOnly && setLink(href)(view.state, view.dispatch),
    linkAt: () => linkAt(view.state),
    setUser(next) {
      // Keep the id unless a new one is given: it is what groups this person's tabs.
      const id = user.id
      user = normalizeUser(next, () => id)
      presence.setUser(user)
    },
    setReadOnly(next) {
      readOnly = next
      view.setProps({ editable: () => !readOnly })
      if (handle !== null) options.onUpdate?.(handle)
    },
    reconnect: () => connection.connect(),
    focus: () => view.focus(),
    destroy() {
      if (destroyed) return
      destroyed = true
      awareness.off('change', refreshCursors)
      // The view first: its plugins withdraw the cursor and stop observing the document.
      view.destroy()
      // Then presence, while the socket is still open, so others drop our cursor at once.
      presence.destroy()
      connection.destroy()
      awareness.destroy()
      cache?.destroy().catch(report)
      doc.destroy()
      container.remove()
      for (const name of STATUS_ATTRIBUTES) element.removeAttribute(name)
    },
  }
  // The attributes are there from the start, before the first change.
  showStatus()
  connection.connect()
  update()
  return handle
}
