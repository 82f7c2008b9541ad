/**
 * The network side of one mounted editor: the standard y-websocket provider, a fresh token
 * before every (re)connect when the token is a function, the browser's online/offline
 * events, and the confirmation ledger that counts unconfirmed changes.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Awareness } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'
import { createConfirmationLedger, type LedgerAction } from './confirmation-ledger.js'
import { deriveStatus, type EditorStatus, type Refusal } from './status.js'

/** A token, or a function returning a fresh one; called before every (re)connect. */
export type TokenSource = string | (() => string | Promise<string>)

/** What a connection needs. */
export interface ConnectionOptions {
  /** `ws:`/`wss:` base URL; the document name is appended as the path. */
  readonly serverUrl: string
  readonly docName: string
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly token?: TokenSource | undefined
  /** Updates with these origins are not local changes (e.g. the offline cache loading). */
  readonly isForeignOrigin: (origin: unknown) => boolean
  /** Called whenever the status may have changed. */
  readonly onChange: () => void
  /** Called when the token function fails (the connection retries with back-off). */
  readonly onError: (error: unknown) => void
}

/** A running connection. */
export interface Connection {
  readonly provider: WebsocketProvider
  /** Start connecting. Separate from creation so callbacks never run during it. */
  connect(): void
  status(): EditorStatus
  destroy(): void
}

const MAX_BACKOFF_MS = 2500
const SYNC = 0
/** Close code of the server for a missing, invalid or expired token (docs/PROTOCOL.md). */
const UNAUTHORIZED = 4401
/**
 * 4401 closes in a row, without a sync in between, after which a fresh token is no longer
 * asked for: a token function that keeps returning refused tokens is a configuration error,
 * not an expiry.
 */
const MAX_UNAUTHORIZED_IN_A_ROW = 3

/** Sync message subtype (0 step 1, 1 step 2, 2 update) of a frame, or null for other frames. */
function syncSubtype(data: unknown): number | null {
  if (!(data instanceof ArrayBuffer)) return null
  const decoder = decoding.createDecoder(new Uint8Array(data))
  if (!decoding.hasContent(decoder) || decoding.readVarUint(decoder) !== SYNC) return null
  return decoding.hasContent(decoder) ? decoding.readVarUint(decoder) : null
}

/** Create a connection (call `connect()` to open it); see the module comment. */
export function createConnection(options: ConnectionOptions): Connection {
  const { doc, token } = options
  const managed = typeof token === 'function'
  // y-websocket appends the room name to the URL as is; the server percent-decodes it.
  const provider = new WebsocketProvider(
    options.serverUrl,
    encodeURIComponent(options.docName),
    doc,
    {
      connect: false,
      awareness: options.awareness,
      params: typeof token === 'string' ? { token } : {},
      maxBackoffTime: MAX_BACKOFF_MS,
    },
  )
  const ledger = createConfirmationLedger()
  let online = typeof navigator === 'undefined' ? true : navigator.onLine
  let triedBefore = false
  let destroyed = false
  let attempt = 0
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let watched: WebSocket | null = null
  let markScheduled = false
  let unauthorizedInARow = 0
  let refusal: Refusal | null = null

  const clearRetry = (): void => {
    if (retryTimer !== null) clearTimeout(retryTimer)
    retryTimer = null
  }

  /** Connect now, after fetching a token when the token is a function. */
  const start = (): void => {
    clearRetry()
    if (destroyed || !online) return
    refusal = null
    if (typeof token !== 'function') {
      provider.connect()
      return
    }
    const current = ++attempt
    Promise.resolve()
      .then(token)
      .then(
        (fresh) => {
          if (current !== attempt || destroyed || !online) return
          provider.params = { ...provider.params, token: fresh }
          provider.connect()
        },
        (error: unknown) => {
          if (current !== attempt || destroyed) return
          options.onError(error)
          triedBefore = true
          options.onChange()
          retryLater()
        },
      )
  }

  const retryLater = (): void => {
    clearRetry()
    // The same back-off as y-websocket's own: 200 ms doubling up to MAX_BACKOFF_MS.
    const delay = Math.min(
      2 ** Math.max(1, provider.wsUnsuccessfulReconnects) * 100,
      MAX_BACKOFF_MS,
    )
    retryTimer = setTimeout(start, delay)
  }

  const act = (action: LedgerAction): void => {
    if (action !== 'send-mark' || markScheduled) return
    markScheduled = true
    // After the current task: y-websocket sends updates (and its answer to the server's
    // step 1) synchronously in its own handlers, so by then they are on the wire.
    queueMicrotask(() => {
      markScheduled = false
      const ws = provider.ws
      if (ws === null || ws !== watched || ws.readyState !== ws.OPEN) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, SYNC)
      syncProtocol.writeSyncStep1(encoder, doc)
      ws.send(encoding.toUint8Array(encoder))
      ledger.markSent()
    })
  }

  const onMessage = (event: MessageEvent): void => {
    const subtype = syncSubtype(event.data)
    if (subtype === syncProtocol.messageYjsSyncStep1) act(ledger.serverStep1())
    else if (subtype === syncProtocol.messageYjsSyncStep2) act(ledger.serverStep2())
    else return
    options.onChange()
  }

  const unwatch = (): void => {
    watched?.removeEventListener('message', onMessage)
    watched = null
  }

  const onStatus = ({ status }: { status: string }): void => {
    if (status === 'connected' && provider.ws !== null) {
      unwatch()
      watched = provider.ws
      watched.addEventListener('message', onMessage)
      ledger.socketOpened()
      triedBefore = true
      refusal = null
    }
    options.onChange()
  }

  const onClose = (event: CloseEvent | null): void => {
    unwatch()
    ledger.socketClosed()
    triedBefore = true
    // Codes 4400–4499 mean "do not retry", as in y-websocket, except 4401 with a token
    // function: the server closes a live socket with it when its token expires, and a fresh
    // token is exactly what cures that.
    const code = event?.code ?? 0
    if (managed && code === UNAUTHORIZED) unauthorizedInARow++
    const renewable =
      managed && code === UNAUTHORIZED && unauthorizedInARow <= MAX_UNAUTHORIZED_IN_A_ROW
    const permanent = code >= 4400 && code < 4500 && !renewable
    if (permanent) refusal = { code, reason: event?.reason ?? '' }
    if (managed && online && !destroyed) {
      // Reconnect ourselves, with a fresh token, instead of y-websocket's timer (which
      // would reuse the old URL).
      provider.shouldConnect = false
      if (!permanent) retryLater()
    }
    options.onChange()
  }

  const onSync = (synced: boolean): void => {
    if (synced) unauthorizedInARow = 0
    options.onChange()
  }

  const onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === provider || options.isForeignOrigin(origin)) return
    act(ledger.localChange())
    options.onChange()
  }

  const onOnline = (): void => {
    online = true
    start()
    options.onChange()
  }
  const onOffline = (): void => {
    // Some browsers keep a socket "open" while the network is gone; close it so the status
    // says offline at once, and reconnect when the browser is back online.
    online = false
    attempt++
    clearRetry()
    provider.disconnect()
    options.onChange()
  }

  provider.on('status', onStatus)
  provider.on('connection-close', onClose)
  provider.on('sync', onSync)
  doc.on('update', onUpdate)
  if (typeof window !== 'undefined') {
    window.addEventListener('online', onOnline)
    window.addEventListener('offline', onOffline)
  }

  return {
    provider,
    connect: start,
    status: () =>
      deriveStatus({
        socketOpen: provider.wsconnected,
        providerSynced: provider.synced,
        triedBefore,
        browserOnline: online,
        unconfirmed: ledger.unconfirmed,
        refusal,
      }),
    destroy() {
      if (destroyed) return
      destroyed = true
      attempt++
      clearRetry()
      unwatch()
      if (typeof window !== 'undefined') {
        window.removeEventListener('online', onOnline)
        window.removeEventListener('offline', onOffline)
      }
      doc.off('update', onUpdate)
      provider.off('status', onStatus)
      provider.off('connection-close', onClose)
      provider.off('sync', onSync)
      provider.destroy()
    },
  }
}
