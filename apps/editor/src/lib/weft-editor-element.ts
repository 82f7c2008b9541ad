/**
 * The `<weft-editor>` custom element: `mountEditor` driven by attributes.
 *
 * Attributes: `server`, `doc` (both required), `token`, `fragment`, `offline-cache="off"`,
 * `placeholder` (changing any of these remounts the editor); `user-id`, `name`, `color`,
 * `avatar-url` and `read-only` (applied in place). Properties: `token` may also be set to a
 * function returning a fresh token, `initialContent` to ProseMirror JSON, and `editor` is
 * the current `EditorHandle`. Events `weft-status` and `weft-peers` are dispatched on the
 * element.
 */

import type { TokenSource } from './connection.js'
import type { DocJson } from './initial-content.js'
import { type EditorHandle, type EditorOptions, mountEditor } from './mount-editor.js'

const REMOUNT = ['server', 'doc', 'token', 'fragment', 'offline-cache', 'placeholder'] as const
const USER = ['user-id', 'name', 'color', 'avatar-url'] as const

/** The element's class, as `defineWeftEditor` registers it. */
export type WeftEditorElement = HTMLElement & {
  /** The mounted editor, or null while not connected or missing `server`/`doc`. */
  readonly editor: EditorHandle | null
  token: TokenSource | null
  initialContent: DocJson | null
}

/**
 * Build the element class. A function, not a top-level class, so importing the library
 * where `HTMLElement` does not exist (server-side rendering) does not throw.
 */
export function createWeftEditorElementClass(): CustomElementConstructor {
  return class extends HTMLElement {
    static readonly observedAttributes = [...REMOUNT, ...USER, 'read-only']
    #editor: EditorHandle | null = null
    #token: TokenSource | null = null
    #initialContent: DocJson | null = null
    #remountQueued = false

    get editor(): EditorHandle | null {
      return this.#editor
    }

    get token(): TokenSource | null {
      return this.#token ?? this.getAttribute('token')
    }
    set token(value: TokenSource | null) {
      this.#token = value
      this.#queueRemount()
    }

    get initialContent(): DocJson | null {
      return this.#initialContent
    }
    set initialContent(value: DocJson | null) {
      this.#initialContent = value
    }

    connectedCallback(): void {
      this.#queueRemount()
    }

    disconnectedCallback(): void {
      this.#unmount()
    }

    attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void {
      if (oldValue === value || !this.isConnected) return
      if ((REMOUNT as readonly string[]).includes(name)) this.#queueRemount()
      else if ((USER as readonly string[]).includes(name)) this.#editor?.setUser(this.#user())
      else if (name === 'read-only') this.#editor?.setReadOnly(value !== null)
    }

    #user(): NonNullable<EditorOptions['user']> {
      const pick = (name: string): string | undefined => this.getAttribute(name) ?? undefined
      return {
        id: pick('user-id'),
        name: pick('name'),
        color: pick('color'),
        avatarUrl: pick('avatar-url'),
      }
    }

    /** Coalesce attribute changes made together (e.g. `server` and `doc`) into one mount. */
    #queueRemount(): void {
      if (this.#remountQueued) return
      this.#remountQueued = true
      queueMicrotask(() => {
        this.#remountQueued = false
        this.#unmount()
        if (this.isConnected) this.#mount()
      })
    }

    #mount(): void {
      const server = this.getAttribute('server')
      const doc = this.getAttribute('doc')
      if (!server || !doc) return
      const token = this.token
      const fragment = this.getAttribute('fragment')
      const placeholder = this.getAttribute('placeholder')
      this.#editor = mountEditor(this, {
        server,
        doc,
        user: this.#user(),
        readOnly: this.hasAttribute('read-only'),
        offlineCache: this.getAttribute('offline-cache') !== 'off',
        ...(token === null ? {} : { token }),
        ...(fragment === null ? {} : { fragment }),
        ...(placeholder === null ? {} : { placeholder }),
        ...(this.#initialContent === null ? {} : { initialContent: this.#initialContent }),
      })
    }

    #unmount(): void {
      this.#editor?.destroy()
      this.#editor = null
    }
  }
}

/**
 * Register the element (once; later calls are no-ops) and return its class.
 *
 * @example
 * defineWeftEditor()
 * document.body.innerHTML = '<weft-editor server="wss://weft.example.org" doc="notes"></weft-editor>'
 */
export function defineWeftEditor(tagName = 'weft-editor'): CustomElementConstructor {
  const existing = customElements.get(tagName)
  if (existing !== undefined) return existing
  const element = createWeftEditorElementClass()
  customElements.define(tagName, element)
  return element
}
