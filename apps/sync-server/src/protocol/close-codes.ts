/**
 * Every WebSocket close code the server sends, with the reason text it uses. This module is
 * the single source of truth; `docs/PROTOCOL.md` documents each one for client authors.
 *
 * Codes 4000–4999 are private-use per RFC 6455; the last three digits mirror the closest
 * HTTP status so they are easy to remember.
 */
export const CloseCode = {
  /** The server is shutting down or the room is being unloaded; reconnect later. */
  goingAway: 1001,
  /** A frame exceeded `maxFrameBytes`. Sent by `ws` itself when `maxPayload` is exceeded. */
  messageTooBig: 1009,
  /** An unexpected server-side failure (for example a stored document could not be loaded). */
  internalError: 1011,
  /** The server cannot serve this room right now (overloaded, storage unavailable); retry with back-off. */
  tryAgainLater: 1013,
  /** A frame that does not decode: text frame, truncated varint, unknown message type, trailing bytes. */
  badFrame: 4400,
  /** No usable token (missing, invalid, expired — including a token expiring on a live socket). */
  unauthorized: 4401,
  /** The token does not grant this document, or the page's origin is not allowed. */
  forbidden: 4403,
  /**
   * The document was deleted (REST `DELETE /api/docs/:name`), or was deleted less than
   * `--tombstone-ttl` ago. Permanent for y-websocket (4400–4499): the client does not
   * reconnect and re-send the copy it holds.
   */
  documentDeleted: 4410,
  /** The update would grow the document beyond `--max-doc-bytes`; the document is unchanged. */
  documentTooLarge: 4413,
  /** A well-formed frame whose Yjs update or awareness payload was rejected. */
  invalidUpdate: 4422,
  /** Too many frames or bytes, for example before the room finished loading. */
  rateLimited: 4429,
  /**
   * The document moved to another node of the cluster (a membership change handed it over), or
   * this node no longer owns it: reconnect, and the load balancer's node forwards the socket to
   * the new owner. Outside 4400–4499, so y-websocket reconnects by itself.
   */
  documentMoved: 4503,
  /** The socket did not read fast enough and its send buffer passed `maxBufferedBytes`. */
  slowConsumer: 4509,
} as const

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]
