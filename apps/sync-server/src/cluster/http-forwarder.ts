/**
 * Forwarding an HTTP request about a document to the node that owns it: a streaming reverse
 * proxy (bodies are piped, never buffered) with a node assertion added, so the owner serves it
 * itself instead of forwarding it again. The request keeps its own credentials (token, admin
 * key); the owner checks them, once.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Logger } from 'pino'
import { sendJson } from '../http/send-json.js'
import type { ServerMetrics } from '../metrics.js'
import { NODE_AUTH_HEADER, type NodeAuth } from './node-auth.js'
import type { ClusterNode } from './node-list.js'

/** Headers that describe one hop, not the request (RFC 9110 §7.6.1), plus our own. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  NODE_AUTH_HEADER,
])

/** Services of the HTTP forwarder. */
export interface HttpForwardDeps {
  readonly self: string
  readonly auth: NodeAuth
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Deadline for the owner's response headers. */
  readonly timeoutMs: number
}

/**
 * Forward `req` (about document `doc`) to `owner` and stream its answer back on `res`. If the
 * owner cannot be reached, answers 503 with a JSON error (`OWNER_UNAVAILABLE`) and
 * `retry-after`. Resolves when the exchange is over.
 */
export async function forwardHttpRequest(
  req: IncomingMessage,
  res: ServerResponse,
  owner: ClusterNode,
  doc: string,
  deps: HttpForwardDeps,
): Promise<void> {
  const token = await deps.auth.sign({ kind: 'http', from: deps.self, doc }, owner.id)
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  }
  const connectionTokens = (req.headers.connection ?? '').split(',').map((t) => t.trim())
  for (const name of connectionTokens) delete headers[name.toLowerCase()]
  const forwardedFor = req.headers['x-forwarded-for']
  const address = req.socket.remoteAddress ?? ''
  headers['x-forwarded-for'] = forwardedFor === undefined ? address : `${forwardedFor}, ${address}`
  headers['x-forwarded-host'] ??= req.headers.host ?? ''
  headers[NODE_AUTH_HEADER] = token
  const target = new URL(req.url ?? '/', owner.url)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest

  await new Promise<void>((resolve) => {
    let answered = false
    const unavailable = (error: unknown): void => {
      if (answered) return
      answered = true
      deps.metrics.forwardedRequests.inc({ result: 'unavailable' })
      deps.logger.warn({ err: error, room: doc, owner: owner.id }, 'forwarding a request failed')
      if (!res.headersSent) {
        res.setHeader('retry-after', '1')
        sendJson(res, 503, { error: 'document owner unavailable', code: 'OWNER_UNAVAILABLE' })
      } else {
        res.destroy()
      }
      resolve()
    }
    const upstream = send(target, { method: req.method, headers, timeout: deps.timeoutMs })
    upstream.on('timeout', () => upstream.destroy(new Error('owner did not answer in time')))
    upstream.on('error', unavailable)
    upstream.on('response', (answer) => {
      answered = true
      deps.metrics.forwardedRequests.inc({ result: 'ok' })
      // No deadline on the body itself: it streams at the client's pace.
      upstream.setTimeout(0)
      const out: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
      }
      res.writeHead(answer.statusCode ?? 502, out)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
      res.on('close', () => {
        answer.destroy()
        resolve()
      })
    })
    req.pipe(upstream)
    req.on('error', () => upstream.destroy())
    res.on('close', () => {
      // The client went away before the owner answered.
      if (!answered) {
        answered = true
        upstream.destroy()
      }
      resolve()
    })
  })
}
