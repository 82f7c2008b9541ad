/**
 * The Weft web app: `/` is the landing page, `/d/<name>` a document. The sync server serves
 * this file for both paths; the app routes on the client.
 */
import '../lib/editor.css'
import './app.css'
import { docNameFromPath } from './doc-names.js'
import { renderDocPage } from './doc-page.js'
import { renderLanding } from './landing.js'
import { resolvePageToken } from './page-token.js'

// In `npm run dev` Vite proxies /ws/<doc> (and /api) to a sync server; built, the app is
// served by the sync server itself, which takes WebSockets on every path.
const SERVER = import.meta.env.DEV ? '/ws' : '/'
const API = '/api'

function start(root: HTMLElement): void {
  let teardown: (() => void) | null = null
  const render = (): void => {
    teardown?.()
    const name = docNameFromPath(window.location.pathname)
    if (name === null) {
      teardown = renderLanding(root, window.localStorage, go)
      return
    }
    const { token, hash } = resolvePageToken(name, window.location.hash, window.sessionStorage)
    if (hash !== null) {
      const { pathname, search } = window.location
      window.history.replaceState(null, '', `${pathname}${search}${hash}`)
    }
    teardown = renderDocPage(root, name, {
      server: SERVER,
      api: API,
      storage: window.localStorage,
      token,
    })
  }
  const go = (path: string): void => {
    window.history.pushState(null, '', path)
    render()
  }
  window.addEventListener('popstate', render)
  // Same-origin links inside the app navigate without a reload.
  root.addEventListener('click', (event) => {
    const link = (event.target as Element).closest('a')
    if (link === null || link.origin !== window.location.origin || event.defaultPrevented) return
    if (link.closest('.ProseMirror') !== null) return
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
    event.preventDefault()
    go(link.pathname)
  })
  render()
}

const root = document.getElementById('app')
if (root === null) throw new Error('index.html has no #app element')
start(root)
