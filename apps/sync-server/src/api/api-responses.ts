/** How the document API answers: content in the asked format, versions, errors, bounded waits. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyError } from '../http/read-body.js'
import { sendJson } from '../http/send-json.js'
import { ProtocolError } from '../protocol/protocol-error.js'
import { RoomFailedError } from '../room/room.js'
import { RoomClosedError } from '../room/room-persistence.js'
import { RoomLimitError } from '../room/room-registry.js'
import { VersionLimitError } from '../room/room-versions.js'
import { StoreClosedError, type VersionInfo } from '../storage/doc-store.js'
import { ApiError } from './api-error.js'
import { jsonToText, type NodeJson } from './doc-content.js'

/** The representations of a document's content. */
export type Format = 'json' | 'text' | 'update'

/** A 503: retry soon. */
export const unavailable = (message: string): ApiError =>
  new ApiError(503, 'UNAVAILABLE', message, { 'retry-after': '1' })

/** Reject with a 503 if `promise` takes longer than `ms`. */
export function bounded<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** `?format=` of a request (json, text, update; else 400). */
export function formatOf(req: IncomingMessage): Format {
  const format = new URL(req.url ?? '/', 'http://localhost').searchParams.get('format') ?? 'json'
  if (format === 'json' || format === 'text' || format === 'update') return format
  throw new ApiError(400, 'BAD_REQUEST', 'format must be json, text or update')
}

/** Refuse a body whose content type is not `type` (415). */
export function requireType(req: IncomingMessage, type: string): void {
  const given = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (given !== type) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `content type must be ${type}`)
  }
}

/** Answer with content: binary as is, JSON, or as plain text. */
export function sendContent(
  res: ServerResponse,
  format: Format,
  body: NodeJson | Uint8Array,
): void {
  if (body instanceof Uint8Array) {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.byteLength,
      'cache-control': 'no-store',
    })
    res.end(body)
    return
  }
  if (format === 'json') {
    sendJson(res, 200, body)
    return
  }
  const text = jsonToText(body)
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

/** A version as the API shows it. */
export function versionInfoJson(info: VersionInfo) {
  return {
    id: info.id,
    createdAt: new Date(info.createdAt).toISOString(),
    label: info.label,
    kind: info.kind,
    size: info.bytes,
  }
}

/** The API's answer to an error thrown while serving a request. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof BodyError) {
    if (error.status === 413) return new ApiError(413, 'BODY_TOO_LARGE', error.message)
    if (error.status === 415) return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', error.message)
    return new ApiError(400, 'BAD_JSON', error.message)
  }
  if (error instanceof ProtocolError) {
    switch (error.code) {
      case 'DOCUMENT_TOO_LARGE':
        return new ApiError(413, 'DOCUMENT_TOO_LARGE', error.message)
      case 'FOREIGN_CLIENT_ID':
        return new ApiError(403, 'FOREIGN_CLIENT_ID', error.message)
      case 'TOO_MANY_PENDING':
        return new ApiError(409, 'MISSING_DEPENDENCIES', error.message)
      case 'STORAGE_BACKLOG':
        return unavailable(error.message)
      default:
        return new ApiError(422, 'INVALID_UPDATE', error.message)
    }
  }
  if (error instanceof VersionLimitError) return new ApiError(409, 'VERSION_LIMIT', error.message)
  if (error instanceof RoomLimitError) return unavailable('too many documents are open; retry')
  if (
    error instanceof RoomClosedError ||
    error instanceof RoomFailedError ||
    error instanceof StoreClosedError
  ) {
    return unavailable('the document is being reloaded, deleted or the server is stopping; retry')
  }
  return new ApiError(500, 'INTERNAL', 'internal error')
}
