/**
 * The WebSocket upgrade: decides, before any WebSocket exists, what a request is and where it
 * is served.
 *
 * - A client (no node assertion): name, connection limit, origin and token are checked here
 *   on the entry node, once; then the socket is served here if this node owns the document,
 *   forwarded to the owner if it does not, or closed with 1013 when the owner is unreachable.
 * - A node (`x-weft-node-auth`): the assertion must verify with the cluster secret, else 401.
 *   A control link goes to the cluster; a forwarded client socket is served here with the grant
 *   the entry node gave it (origin and token are not checked again), or closed with 4503 when
 *   this node does not own the document (the client reconnects and is routed anew).
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { WebSocket, WebSocketServer } from 'ws'
import type { Grant } from '../auth/grant.js'
import type { Revocations } from '../auth/revocations.js'
import type { TokenVerifier } from '../auth/token-verifier.js'
import type { Cluster } from '../cluster/cluster.js'
import { NODE_AUTH_HEADER, type NodeClaim } from '../cluster/node-auth.js'
import type { ServerMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { ConnectionLimits } from './connection-limits.js'
import { parseDocName } from './doc-name.js'
import { decideUpgrade } from './upgrade-auth.js'

/** A refusal: an HTTP status for non-browser clients, a close code for browsers. */
export interface Refusal {
  readonly status: number
  readonly closeCode: number
  readonly reason: string
}

/** What the upgrade handler works with. */
export interface UpgradeDeps {
  readonly wss: WebSocketServer
  readonly logger: Logger
  readonly metrics: ServerMetrics
  readonly cluster: Cluster
  readonly limits: ConnectionLimits
  readonly revocations: Revocations
  readonly allowedOrigins: readonly string[]
  readonly maxConnections: number
  /** Whether the server takes new sockets (listening, not shutting down). */
  accepting(): boolean
  verifier(): TokenVerifier | null
  /** Client sockets open on this node (served here or forwarded). */
  openSockets(): number
  /**
   * The client address of a request: the connecting one, or behind a trusted proxy the one it
   * forwards for.
   */
  clientAddress(req: IncomingMessage): string
  /**
   * Serve a socket here. `ip` is the client's address (for a forwarded socket, the entry
   * node's); `via` is the entry node of a forwarded socket.
   */
  serve(ws: WebSocket, doc: string, grant: Grant, ip: string | undefined, via: string | null): void
  /** Pipe a client socket to the owner's socket. */
  pipe(client: WebSocket, ownerSocket: WebSocket, doc: string, owner: string): void
}

/** Document names under this prefix are reserved for node-to-node endpoints. */
export const NODE_PATH_PREFIX = '.weft/'

const OWNER_UNAVAILABLE: Refusal = {
  status: 503,
  closeCode: CloseCode.tryAgainLater,
  reason: 'document owner unavailable; try again later',
}

/** The `upgrade` listener of the HTTP server. */
export function createUpgradeHandler(
  deps: UpgradeDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { wss, logger, metrics, cluster } = deps

  /** Refuse an upgrade: a close code for browsers (they cannot see HTTP statuses), else HTTP. */
  const refuse = (req: IncomingMessage, socket: Duplex, head: Buffer, refusal: Refusal): void => {
    if (req.headers.origin === undefined) {
      rejectUpgrade(socket, refusal.status, refusal.reason)
    } else {
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(refusal.closeCode, refusal.reason))
    }
  }

  async function handleClient(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const parsed = parseDocName(req.url)
    if (!parsed.ok) {
      rejectUpgrade(socket, 400, parsed.reason)
      return
    }
    const doc = parsed.name
    if (doc.startsWith(NODE_PATH_PREFIX)) {
      // Node endpoints (the control link) live under this prefix; a request without a valid
      // node assertion is refused rather than served as a document.
      metrics.authFailures.inc({ reason: 'node' })
      rejectUpgrade(socket, 401, 'node authentication required')
      return
    }
    if (deps.openSockets() >= deps.maxConnections) {
      metrics.connectionsRefused.inc({ reason: 'max_connections' })
      refuse(req, socket, head, {
        status: 503,
        closeCode: CloseCode.tryAgainLater,
        reason: 'server is at its connection limit',
      })
      return
    }
    const ip = deps.clientAddress(req)
    if (!deps.limits.admitClient(req.socket as Socket, ip)) {
      refuse(req, socket, head, {
        status: 429,
        closeCode: CloseCode.tryAgainLater,
        reason: 'too many connections from this address',
      })
      return
    }
    const decision = await decideUpgrade(req, doc, {
      allowedOrigins: deps.allowedOrigins,
      verifier: deps.verifier(),
    })
    if (socket.destroyed) return
    if (!decision.ok) {
      const authFailure = decision.status === 401 ? 'unauthorized' : 'forbidden'
      metrics.authFailures.inc({ reason: authFailure })
      logger.info(
        {
          room: doc,
          ip,
          origin: req.headers.origin,
          status: decision.status,
          authFailure,
          reason: decision.reason,
        },
        'upgrade refused',
      )
      refuse(req, socket, head, decision)
      return
    }
    const grant = deps.revocations.apply(decision.grant, doc, Date.now())
    if (grant === null) {
      metrics.authFailures.inc({ reason: 'revoked' })
      logger.info(
        {
          room: doc,
          ip,
          origin: req.headers.origin,
          user: decision.grant.user,
          status: 403,
          authFailure: 'revoked',
          reason: 'access revoked',
        },
        'upgrade refused',
      )
      refuse(req, socket, head, {
        status: 403,
        closeCode: CloseCode.forbidden,
        reason: 'access revoked',
      })
      return
    }
    await cluster.ready()
    if (socket.destroyed) return
    // Decided now, synchronously before serving: the view may have changed while we waited.
    const route = cluster.route(doc)
    if (route.kind === 'local') {
      wss.handleUpgrade(req, socket, head, (ws) => deps.serve(ws, doc, grant, ip, null))
      return
    }
    if (route.kind === 'unavailable') {
      metrics.forwardFailures.inc({ reason: 'unreachable' })
      refuse(req, socket, head, OWNER_UNAVAILABLE)
      return
    }
    const ownerSocket = await cluster.openOwnerSocket(route.owner, doc, grant)
    if (typeof ownerSocket === 'string') {
      metrics.forwardFailures.inc({ reason: ownerSocket })
      logger.warn({ room: doc, owner: route.owner.id, failure: ownerSocket }, 'forward failed')
      if (!socket.destroyed) refuse(req, socket, head, OWNER_UNAVAILABLE)
      return
    }
    if (socket.destroyed) {
      ownerSocket.terminate()
      return
    }
    // `ws` drops a client that went away during the upgrade without calling back.
    let piped = false
    socket.once('close', () => {
      if (!piped) ownerSocket.terminate()
    })
    wss.handleUpgrade(req, socket, head, (ws) => {
      piped = true
      deps.pipe(ws, ownerSocket, doc, route.owner.id)
    })
  }

  async function handleNode(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const check = await cluster.authenticate(req)
    if (socket.destroyed || check === null) return
    if (!check.ok) {
      metrics.authFailures.inc({ reason: 'node' })
      logger.warn(
        { ip: req.socket.remoteAddress, url: req.url, reason: check.reason },
        'node authentication failed',
      )
      rejectUpgrade(socket, 401, 'node authentication failed')
      return
    }
    deps.limits.trustNode(req.socket as Socket)
    const claim: NodeClaim = check.claim
    if (claim.kind === 'link') {
      cluster.acceptLinkUpgrade(req, socket, head, claim.from)
      return
    }
    const parsed = parseDocName(req.url)
    if (claim.kind !== 'socket' || !parsed.ok || parsed.name !== claim.doc) {
      rejectUpgrade(socket, 400, 'node assertion does not match the request')
      return
    }
    if (deps.openSockets() >= deps.maxConnections) {
      metrics.connectionsRefused.inc({ reason: 'max_connections' })
      rejectUpgrade(socket, 503, 'server is at its connection limit')
      return
    }
    await cluster.ready()
    if (socket.destroyed) return
    if (!cluster.owns(claim.doc)) {
      // The entry node's view differs from ours (for now): the client reconnects.
      wss.handleUpgrade(req, socket, head, (ws) =>
        ws.close(CloseCode.documentMoved, 'document moved; reconnect'),
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      deps.serve(ws, claim.doc, claim.grant, req.socket.remoteAddress, claim.from),
    )
  }

  // One listener for every socket: a closure made below would keep its request (headers and
  // all) alive as long as the socket lives.
  const onSocketError = (error: Error): void => {
    logger.debug({ err: error }, 'upgrade socket error')
  }
  return (req, socket, head) => {
    deps.limits.handshakeDone(req.socket as Socket)
    socket.on('error', onSocketError)
    const handle = (): Promise<void> => {
      if (!deps.accepting()) {
        rejectUpgrade(socket, 503, 'server is shutting down')
        return Promise.resolve()
      }
      return req.headers[NODE_AUTH_HEADER] === undefined
        ? handleClient(req, socket, head)
        : handleNode(req, socket, head)
    }
    handle().catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'upgrade failed')
      rejectUpgrade(socket, 500, 'internal error')
    })
  }
}

/** Answer an upgrade request with a plain HTTP error and close the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
