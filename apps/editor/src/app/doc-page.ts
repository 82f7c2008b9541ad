/** The editor page of one document: top bar, toolbar, the editor on a calm sheet. */
import { type EditorHandle, mountEditor } from '../lib/index.js'
import { createAvatars } from './avatars.js'
import { h } from './dom.js'
import { createHistoryPanel } from './history-panel.js'
import { loadIdentity, rememberRecent, saveIdentity } from './identity.js'
import { createIdentityMenu } from './identity-menu.js'
import { createShareButton } from './share-button.js'
import { createStatusPill } from './status-pill.js'
import { createToolbar } from './toolbar.js'
import { createVersionsApi } from './versions-api.js'

/** Where the page finds the server and the browser services it uses. */
export interface DocPageEnv {
  /** Server URL for `mountEditor` (a path is resolved against the page). */
  readonly server: string
  /** Base path of the server's REST API (`/api`), for the History panel. */
  readonly api: string
  readonly storage: Storage
  /** A document token (see `page-token.ts`), or null when the server needs none. */
  readonly token: string | null
}

/** Render the editor page of `name` into `root`. Returns a function that tears it down. */
export function renderDocPage(root: HTMLElement, name: string, env: DocPageEnv): () => void {
  const identity = loadIdentity(env.storage)
  rememberRecent(env.storage, name)
  document.title = `${name} — Weft`

  let handle: EditorHandle | null = null
  const pill = createStatusPill()
  const avatars = createAvatars()
  const toolbar = createToolbar(
    () => handle,
    (current) => window.prompt('Link address (empty to remove the link)', current ?? 'https://'),
  )
  const share = createShareButton(
    () => window.location.href,
    (text) => navigator.clipboard.writeText(text),
  )
  const menu = createIdentityMenu(identity, (next) => {
    saveIdentity(env.storage, next)
    handle?.setUser(next)
  })
  const history = createHistoryPanel({
    api: createVersionsApi(env.api, name, { token: env.token }),
  })
  const host = h('div', { class: 'sheet__editor', id: 'editor' })

  root.replaceChildren(
    h(
      'div',
      { class: 'chrome' },
      h(
        'header',
        { class: 'topbar' },
        h(
          'a',
          { class: 'brand', href: '/', title: 'All documents' },
          h('span', { class: 'brand__mark' }, 'W'),
          h('span', { class: 'brand__name' }, 'Weft'),
        ),
        h('h1', { class: 'doc-title', title: name }, name),
        pill.element,
        h(
          'div',
          { class: 'topbar__people' },
          avatars.element,
          history.button,
          share.element,
          menu.element,
        ),
      ),
      h('div', { class: 'toolbar-row' }, toolbar.element),
    ),
    h('main', { class: 'page' }, h('article', { class: 'sheet' }, host)),
    history.element,
  )

  handle = mountEditor(host, {
    server: env.server,
    doc: name,
    user: identity,
    ...(env.token === null ? {} : { token: env.token }),
    onStatus: (status) => pill.show(status),
    // You are shown by the identity button; the avatars list the others.
    onPeers: (peers) => avatars.show(peers.filter((peer) => !peer.isSelf)),
    onUpdate: () => toolbar.refresh(),
  })
  pill.show(handle.status)
  avatars.show(handle.peers.filter((peer) => !peer.isSelf))
  toolbar.refresh()
  handle.focus()

  return () => {
    handle?.destroy()
    handle = null
    history.destroy()
    menu.destroy()
    share.destroy()
    root.replaceChildren()
  }
}
