/**
 * A room's Y.Doc, built from the stored bytes only when something first needs it.
 *
 * Until then a document whose stored state is one snapshot (how a room is left after it was
 * unloaded or the server stopped) or nothing (a new document) can answer a client that holds
 * nothing with those stored bytes as they are: no decoding on the way to a new client's sync
 * step 2, so opening a large document costs reading it, and an idle room costs no Y.Doc at
 * all. The stored bytes are kept for that until the first change.
 */
import * as Y from 'yjs'
import { mergeUpdates } from './merge-updates.js'

/** What the stored document looks like, as loaded. */
export interface StoredContent {
  /** The snapshot (if any) first, then the updates appended since. */
  readonly updates: readonly Uint8Array[]
  /** Updates appended since the snapshot. */
  readonly appendedCount: number
}

/** What a lazy document tells its room. */
export interface LazyDocHooks {
  /** Every update a transaction integrated (never duplicates, never held-back structs). */
  onUpdate(update: Uint8Array, origin: unknown): void
  /** The document was just built. */
  onBuilt(doc: Y.Doc): void
}

/** The stored bytes do not decode into a document. */
export class StoredDocError extends Error {
  override readonly name = 'StoredDocError'
}

/** The update of a document without content. */
const EMPTY_UPDATE = Uint8Array.of(0, 0)

/** A document built on first use; see the module comment. */
export class LazyDoc {
  readonly #guid: string
  readonly #hooks: LazyDocHooks
  #doc: Y.Doc | null = null
  /** What is stored, merged (null: nothing is); dropped at the first change after the load. */
  #stored: Uint8Array | null
  /**
   * Whether `#stored` is exactly what a client holding nothing must get: it is one snapshot
   * (or nothing) and no update was applied since the load.
   */
  #storedIsState: boolean
  #failure: StoredDocError | null = null
  #buildTimer: NodeJS.Timeout | null = null
  #destroyed = false

  /** `guid` becomes the Y.Doc's guid (the default, a random UUID, costs more than the rest). */
  constructor(guid: string, stored: StoredContent, hooks: LazyDocHooks) {
    this.#guid = guid
    this.#hooks = hooks
    this.#stored = stored.updates.length === 0 ? null : mergeUpdates(stored.updates)
    this.#storedIsState = stored.updates.length === 0 || stored.appendedCount === 0
  }

  /** The document if it is built, else null. */
  get built(): Y.Doc | null {
    return this.#doc
  }

  /** Whether the document has no content at all. */
  get isEmpty(): boolean {
    // Not built yet: empty exactly when nothing is stored.
    return this.#doc === null ? this.#stored === null : this.#doc.store.clients.size === 0
  }

  /**
   * The whole state as stored, when that is exactly the document's state (nothing changed
   * since the load): what a client holding nothing needs. Null when it must be computed.
   */
  storedState(): Uint8Array | null {
    return this.#storedIsState ? (this.#stored ?? EMPTY_UPDATE) : null
  }

  /**
   * Whether the stored bytes are more than the state (updates were appended after the
   * snapshot): then clients are answered from the document, so build it at once.
   */
  get needsBuild(): boolean {
    return !this.#storedIsState
  }

  /**
   * The document, built now if it is not yet.
   *
   * @throws {StoredDocError} when the stored bytes do not decode (every time, from then on).
   */
  get(): Y.Doc {
    if (this.#doc !== null) return this.#doc
    if (this.#failure !== null) throw this.#failure
    const doc = new Y.Doc({ gc: true, guid: this.#guid })
    try {
      if (this.#stored !== null) Y.applyUpdate(doc, this.#stored)
    } catch (cause) {
      doc.destroy()
      this.#failure = new StoredDocError(`stored document ${this.#guid} does not load`, { cause })
      throw this.#failure
    }
    if (!this.#storedIsState) this.#stored = null
    this.#doc = doc
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (this.#storedIsState) {
        // From now on clients are answered from the document.
        this.#storedIsState = false
        this.#stored = null
      }
      this.#hooks.onUpdate(update, origin)
    })
    this.#hooks.onBuilt(doc)
    return doc
  }

  /**
   * Build the document after `delayMs` unless something needs it before. Building holds the
   * event loop (~100 ms for a 300 KB document): later, not in the turn that answered a client
   * from the stored bytes, so the rest of that answer still being written to the socket is not
   * stalled. `onFailure` gets a `StoredDocError`.
   */
  buildLater(delayMs: number, onFailure: (error: StoredDocError) => void): void {
    if (this.#buildTimer !== null || this.#doc !== null) return
    this.#buildTimer = setTimeout(() => {
      if (this.#destroyed || this.#doc !== null) return
      try {
        this.get()
      } catch (error) {
        if (!(error instanceof StoredDocError)) throw error
        onFailure(error)
      }
    }, delayMs)
    this.#buildTimer.unref()
  }

  /** Release the document and the pending build. */
  destroy(): void {
    this.#destroyed = true
    if (this.#buildTimer !== null) clearTimeout(this.#buildTimer)
    this.#doc?.destroy()
  }
}
