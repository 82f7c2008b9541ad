/**
 * Errors of the REST document API: an HTTP status, a stable machine-readable code and a
 * message, sent as `{ "error": message, "code": code }`. `docs/API.md` lists every code.
 */
import type { ServerResponse } from 'node:http'
import { sendJson } from '../http/send-json.js'

/** Every error code the API answers with. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_JSON'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'READ_ONLY'
  | 'ADMIN_ONLY'
  | 'NOT_FOUND'
  | 'DOCUMENT_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'MISSING_DEPENDENCIES'
  | 'VERSION_LIMIT'
  | 'DOCUMENT_DELETED'
  | 'BODY_TOO_LARGE'
  | 'DOCUMENT_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_UPDATE'
  | 'INVALID_DOCUMENT'
  | 'FOREIGN_CLIENT_ID'
  | 'UNAVAILABLE'
  | 'INTERNAL'

/** A refused API request. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly code: ApiErrorCode
  /** Extra response headers (`allow`, `www-authenticate`, `retry-after`). */
  readonly headers: Readonly<Record<string, string>>

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
    this.status = status
    this.code = code
    this.headers = headers
  }
}

/** Answer with `error` as JSON. */
export function sendApiError(res: ServerResponse, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
  sendJson(res, error.status, { error: error.message, code: error.code })
}
