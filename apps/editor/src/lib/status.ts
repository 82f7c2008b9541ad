/** The connection status the editor reports, and how it is derived. */

/** Connection state: `offline` after a connection was lost or the browser is offline. */
export type ConnectionState = 'connecting' | 'connected' | 'offline'

/** What `weft-status` events carry, and what the host element's attributes show. */
export interface EditorStatus {
  readonly connection: ConnectionState
  /**
   * True when connected, the initial sync is done and the server has confirmed every local
   * change (`unconfirmed === 0`).
   */
  readonly synced: boolean
  /** Local changes of this session not yet confirmed by the server. */
  readonly unconfirmed: number
}

/** The inputs of `deriveStatus`. */
export interface StatusInputs {
  /** A WebSocket is open. */
  readonly socketOpen: boolean
  /** The provider completed the initial sync on the open socket. */
  readonly providerSynced: boolean
  /** A socket was opened or failed before: not the first attempt any more. */
  readonly triedBefore: boolean
  /** The browser says it is online (`navigator.onLine`). */
  readonly browserOnline: boolean
  readonly unconfirmed: number
}

/** Derive the status from its inputs. */
export function deriveStatus(inputs: StatusInputs): EditorStatus {
  const connection: ConnectionState = inputs.socketOpen
    ? 'connected'
    : inputs.triedBefore || !inputs.browserOnline
      ? 'offline'
      : 'connecting'
  return {
    connection,
    synced: connection === 'connected' && inputs.providerSynced && inputs.unconfirmed === 0,
    unconfirmed: inputs.unconfirmed,
  }
}

/** Whether two statuses are the same (to emit only changes). */
export function sameStatus(a: EditorStatus, b: EditorStatus): boolean {
  return a.connection === b.connection && a.synced === b.synced && a.unconfirmed === b.unconfirmed
}
