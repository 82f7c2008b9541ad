/**
 * Admin endpoints (every one requires the admin key):
 * `POST /admin/revoke` closes or downgrades every socket of a user or a document, now, on
 * every node of the cluster it can reach (`unreachableNodes` lists the others).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAdminRequest } from '../auth/admin-key.js'
import type { RevocationMode, RevocationTarget } from '../auth/revocations.js'
import { BodyError, readJsonBody } from './read-body.js'
import { sendJson } from './send-json.js'

/** What the admin routes act on. */
export interface AdminDeps {
  readonly adminKey: string | null
  /**
   * Revoke on every node; resolves with the number of sockets closed or downgraded and the
   * cluster nodes that could not be told (empty for a single server).
   */
  readonly revoke: (
    target: RevocationTarget,
    mode: RevocationMode,
  ) => Promise<{ affected: number; unreachable: readonly string[] }>
}

/** Handles `/admin/*`; returns false for other paths. */
export function createAdminRoutes(
  deps: AdminDeps,
): (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> {
  return async (req, res, pathname) => {
    if (!pathname.startsWith('/admin/')) return false
    if (!isAdminRequest(req, deps.adminKey)) {
      res.setHeader('www-authenticate', 'Bearer')
      sendJson(res, 401, { error: 'admin key required', code: 'UNAUTHORIZED' })
      return true
    }
    if (pathname !== '/admin/revoke') {
      sendJson(res, 404, { error: 'not found', code: 'NOT_FOUND' })
      return true
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      sendJson(res, 405, { error: 'method not allowed', code: 'METHOD_NOT_ALLOWED' })
      return true
    }
    let body: unknown
    try {
      body = await readJsonBody(req, 64 * 1024)
    } catch (error) {
      if (!(error instanceof BodyError)) throw error
      sendJson(res, error.status, { error: error.message, code: 'BAD_BODY' })
      return true
    }
    const parsed = parseRevoke(body)
    if (typeof parsed === 'string') {
      sendJson(res, 400, { error: parsed, code: 'BAD_REQUEST' })
      return true
    }
    const { affected, unreachable } = await deps.revoke(parsed.target, parsed.mode)
    sendJson(res, 200, {
      affected,
      ...parsed.target,
      mode: parsed.mode,
      ...(unreachable.length > 0 ? { unreachableNodes: unreachable } : {}),
    })
    return true
  }
}

function parseRevoke(body: unknown): { target: RevocationTarget; mode: RevocationMode } | string {
  if (body === null || typeof body !== 'object') return 'body must be a JSON object'
  const { user, doc, mode } = body as Record<string, unknown>
  if (user !== undefined && (typeof user !== 'string' || user === ''))
    return '"user" must be a non-empty string'
  if (doc !== undefined && (typeof doc !== 'string' || doc === ''))
    return '"doc" must be a non-empty string'
  if (user === undefined && doc === undefined) return 'give "user", "doc" or both'
  const chosen = mode ?? 'close'
  if (chosen !== 'close' && chosen !== 'read-only') return '"mode" must be "close" or "read-only"'
  const target: { user?: string; doc?: string } = {}
  if (typeof user === 'string') target.user = user
  if (typeof doc === 'string') target.doc = doc
  return { target, mode: chosen }
}
