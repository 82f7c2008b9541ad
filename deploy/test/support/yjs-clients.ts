/**
 * The real y-websocket client over the real `ws` package, and event-driven waits on
 * documents (never on time alone: every wait re-checks on document updates and is bounded).
 */
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { Cleanup } from './cleanup.js'

/** A y-websocket client with its own Y.Doc. */
export interface Client {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  destroy(): void
}

/** Connect a client to `wsUrl`/`docName`; destroyed at clean-up (or earlier by `destroy`). */
export function connectClient(cleanup: Cleanup, wsUrl: string, docName: string): Client {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  let destroyed = false
  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    provider.destroy()
    // The Awareness interval keeps the event loop alive until the doc is destroyed.
    doc.destroy()
  }
  cleanup.add(destroy)
  return { doc, provider, destroy }
}

/** Resolves once the provider has synced with the server (rejects after `timeoutMs`). */
export function synced(client: Client, timeoutMs = 15_000): Promise<void> {
  if (client.provider.synced) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onSync = (state: boolean): void => {
      if (!state) return
      clearTimeout(timer)
      client.provider.off('sync', onSync)
      resolve()
    }
    const timer = setTimeout(() => {
      client.provider.off('sync', onSync)
      reject(new Error(`client of ${client.provider.url} did not sync within ${timeoutMs} ms`))
    }, timeoutMs)
    client.provider.on('sync', onSync)
  })
}

/**
 * Resolves once `check()` holds, re-checking on every update of `docs`. Rejects with
 * `message` after `timeoutMs`.
 */
export function until(
  check: () => boolean,
  docs: readonly Y.Doc[],
  message: string,
  timeoutMs = 15_000,
): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const recheck = (): void => {
      if (!check()) return
      finish()
      resolve()
    }
    const finish = (): void => {
      clearTimeout(timer)
      for (const doc of docs) doc.off('update', recheck)
    }
    for (const doc of docs) doc.on('update', recheck)
    const timer = setTimeout(() => {
      finish()
      reject(new Error(`timed out: ${message}`))
    }, timeoutMs)
  })
}

/** The keys of the shared map `marks` (each test client sets its own key there). */
export function marks(doc: Y.Doc): string[] {
  return [...doc.getMap('marks').keys()].sort()
}
