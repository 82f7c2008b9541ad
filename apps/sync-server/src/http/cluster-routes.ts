/**
 * `GET /cluster` (admin key required): the node list as this node sees it, which peers it
 * can reach, and with `?doc=<name>` the owner of that document.
 */
import { isAdminRequest } from '../auth/admin-key.js'
import type { ClusterStatus } from '../cluster/cluster.js'
import type { HttpRoute } from './http-handler.js'
import { sendJson } from './send-json.js'

/** What the route reads from the cluster. */
export interface ClusterRouteDeps {
  readonly adminKey: string | null
  readonly status: () => ClusterStatus
  /** The owner of a document and whether this node can reach it. */
  readonly ownerOf: (doc: string) => { id: string; url: string | null; reachable: boolean }
}

/** Handles `/cluster`; returns false for other paths. */
export function createClusterRoutes(deps: ClusterRouteDeps): HttpRoute {
  return async (req, res, pathname) => {
    if (pathname !== '/cluster') return false
    if (!isAdminRequest(req, deps.adminKey)) {
      res.setHeader('www-authenticate', 'Bearer')
      sendJson(res, 401, { error: 'admin key required', code: 'UNAUTHORIZED' })
      return true
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      sendJson(res, 405, { error: 'method not allowed', code: 'METHOD_NOT_ALLOWED' })
      return true
    }
    const doc = new URL(req.url ?? '/', 'http://localhost').searchParams.get('doc')
    if (doc === '') {
      sendJson(res, 400, { error: '"doc" must not be empty', code: 'BAD_REQUEST' })
      return true
    }
    const status = deps.status()
    sendJson(
      res,
      200,
      doc === null ? status : { ...status, doc: { name: doc, owner: deps.ownerOf(doc) } },
    )
    return true
  }
}
