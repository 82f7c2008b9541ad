/** The connection status the editor reports, and how it is derived. */

/** Connection state: `offline` after a connection was lost or the browser is offline. */
export type ConnectionState = 'connecting' | 'connected' | 'offline'

/** The server refused the document for good: the close code (4400–4499) and its reason. */
export interface Refusal {
  readonly code: number
  readonly reason: string
}

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
  /**
   * Set when the server closed the socket with a permanent code (docs/PROTOCOL.md: 4403 no
   * access, 4410 deleted, 4413 too large, 4401 after the token function kept failing, …):
   * the editor stays offline and does not reconnect until `handle.reconnect()`.
   */
  readonly refusal: Refusal | null
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
  /** The permanent close since the last open socket, if any. */
  readonly refusal: Refusal | null
}

/** Derive the status from its inputs. */
export function deriveStatus(inputs: StatusInputs): EditorStatus {
  const connection: ConnectionState = inputs.socketOpen
    ? 'connected'
    : inputs.triedBefore || !inputs.browserOnline || inputs.refusal !== null
      ? 'offline'
      : 'connecting'
  return {
    connection,
    synced: connection === 'connected' && inputs.providerSynced && inputs.unconfirmed === 0,
    unconfirmed: inputs.unconfirmed,
    refusal: connection === 'connected' ? null : inputs.refusal,
  }
}

/** Whether two statuses are the same (to emit only changes). */
export function sameStatus(a: EditorStatus, b: EditorStatus): boolean {
  return (
    a.connection === b.connection &&
    a.synced === b.synced &&
    a.unconfirmed === b.unconfirmed &&
    a.refusal?.code === b.refusal?.code &&
    a.refusal?.reason === b.refusal?.reason
  )
}
