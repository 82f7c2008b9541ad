import { CloseCode } from './close-codes.js'

/** Stable, machine-readable reasons a frame is refused. */
export type ProtocolErrorCode =
  | 'TEXT_FRAME'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'UNKNOWN_MESSAGE_TYPE'
  | 'UNKNOWN_SYNC_TYPE'
  | 'UNEXPECTED_AUTH'
  | 'INVALID_UPDATE'
  | 'INVALID_AWARENESS'
  | 'STORAGE_BACKLOG'
  | 'FOREIGN_CLIENT_ID'
  | 'TOO_MANY_PENDING'
  | 'DOCUMENT_TOO_LARGE'
  | 'RATE_LIMITED'

/**
 * A frame or payload the server refuses. Carries a stable `code` for logs and metrics and the
 * WebSocket `closeCode` the offending socket is closed with.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  readonly code: ProtocolErrorCode
  readonly closeCode: CloseCode

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.closeCode = closeCodeOf(code)
  }
}

function closeCodeOf(code: ProtocolErrorCode): CloseCode {
  switch (code) {
    case 'INVALID_UPDATE':
    case 'INVALID_AWARENESS':
    case 'FOREIGN_CLIENT_ID':
    case 'TOO_MANY_PENDING':
      return CloseCode.invalidUpdate
    case 'DOCUMENT_TOO_LARGE':
      return CloseCode.documentTooLarge
    case 'RATE_LIMITED':
      return CloseCode.rateLimited
    case 'STORAGE_BACKLOG':
      return CloseCode.tryAgainLater
    default:
      return CloseCode.badFrame
  }
}
