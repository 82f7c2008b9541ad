/** Reading and checking what an API request carries: JSON bodies, labels, query parameters. */
import type { IncomingMessage } from 'node:http'
import { readBody } from '../http/read-body.js'
import { ApiError } from './api-error.js'

/** Longest version label, in characters. */
export const MAX_LABEL_LENGTH = 200
/** Most documents listed per page. */
export const MAX_LIST_LIMIT = 1000

// C0 and C1 control characters and bidi overrides: a label is shown to people as text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/**
 * A JSON body that may also be absent: undefined when it is empty (whatever its content type),
 * else it must be `application/json` (415) and valid JSON (400).
 */
export async function readOptionalJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes)
  if (body.byteLength === 0) return undefined
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'content type must be application/json')
  }
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new ApiError(400, 'BAD_JSON', 'body is not valid JSON')
  }
}

/**
 * The label of a version from a `{ "label": "…" }` body (or no body): trimmed, 1 to
 * `MAX_LABEL_LENGTH` characters, printable. Null when none is given.
 */
export function parseLabel(body: unknown): string | null {
  if (body === undefined) return null
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'BAD_REQUEST', 'the body must be a JSON object like {"label": "…"}')
  }
  const { label } = body as { label?: unknown }
  if (label === undefined || label === null) return null
  if (typeof label !== 'string') throw new ApiError(400, 'BAD_REQUEST', '"label" must be a string')
  const trimmed = label.trim()
  if (trimmed === '') return null
  if ([...trimmed].length > MAX_LABEL_LENGTH) {
    throw new ApiError(400, 'BAD_REQUEST', `"label" is longer than ${MAX_LABEL_LENGTH} characters`)
  }
  if (UNPRINTABLE.test(trimmed)) {
    throw new ApiError(400, 'BAD_REQUEST', '"label" contains control or bidi characters')
  }
  return trimmed
}

/** `?limit=` (1 to `MAX_LIST_LIMIT`, default 100) and `?after=` of a listing. */
export function parseListQuery(req: IncomingMessage): { limit: number; after?: string } {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams
  const limitText = params.get('limit')
  const limit = limitText === null ? 100 : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ApiError(400, 'BAD_REQUEST', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`)
  }
  const after = params.get('after')
  if (after === null) return { limit }
  if (after.length > 2048) throw new ApiError(400, 'BAD_REQUEST', '"after" is too long')
  return { limit, after }
}
