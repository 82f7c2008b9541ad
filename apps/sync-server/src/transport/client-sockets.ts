/**
 * Every client socket of one node: those served here (`Connection`, in a room of this node)
 * and those piped to the document's owner on another node (`ForwardedSocket`). Heartbeat,
 * revocation, moving a document away and shutdown act on them all.
 */
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { Access, Grant } from '../auth/grant.js'
import { type RevocationMode, type RevocationTarget, targetCovers } from '../auth/revocations.js'
import { ForwardedSocket, type ForwardOptions } from '../cluster/socket-forwarder.js'
import type { ServerMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { RoomRegistry } from '../room/room-registry.js'
import { Connection, type ConnectionOptions } from './connection.js'

/** A connection in a room, as user events (webhooks) report it. */
export interface PeerInfo {
  readonly document: string
  /** The connection id (unique within one server process). */
  readonly connection: string
  /** The token subject, or null when authentication is off. */
  readonly user: string | null
  readonly access: Access
}

/** Services of the sockets. */
export interface ClientSocketDeps {
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** A connection joined its (loaded) room. */
  readonly onJoined?: (peer: PeerInfo) => void
  /** A connection that had joined its room left it, with the close code. */
  readonly onLeft?: (peer: PeerInfo, code: number) => void
}

/** Settings of the sockets. */
export interface ClientSocketOptions {
  readonly connection: ConnectionOptions
  readonly forward: ForwardOptions
  /** How long sockets of a moved document get to close before they are dropped. */
  readonly moveDrainMs: number
}

/** The client sockets of one node; see the module comment. */
export class ClientSockets {
  readonly #connections = new Set<Connection>()
  readonly #forwarded = new Set<ForwardedSocket>()
  readonly #options: ClientSocketOptions
  readonly #logger: Logger
  readonly #metrics: ServerMetrics
  readonly #deps: ClientSocketDeps
  #nextId = 1

  constructor(options: ClientSocketOptions, deps: ClientSocketDeps) {
    this.#options = options
    this.#logger = deps.logger
    this.#metrics = deps.metrics
    this.#deps = deps
  }

  /** Sockets served here, by access mode (a downgraded socket counts as read). */
  countByAccess(): Record<Access, number> {
    const open = { read: 0, write: 0 }
    for (const connection of this.#connections) open[connection.grant.access]++
    return open
  }

  /** Sockets served here. */
  get servedCount(): number {
    return this.#connections.size
  }

  /** Sockets forwarded to another node. */
  get forwardedCount(): number {
    return this.#forwarded.size
  }

  /** Serve a socket for `doc` in a room of this node; `via` is the entry node if forwarded. */
  serve(
    ws: WebSocket,
    doc: string,
    grant: Grant,
    registry: RoomRegistry,
    meta: { ip: string | undefined; via: string | null },
  ): void {
    const id = `c${this.#nextId++}`
    const connection = new Connection(id, ws, doc, grant, this.#options.connection, {
      registry,
      logger: this.#logger,
      metrics: this.#metrics,
      onClosed: (closed) => {
        this.#connections.delete(closed)
      },
      onJoined: (joined) => this.#deps.onJoined?.(peerInfo(joined)),
      onLeft: (left, code) => this.#deps.onLeft?.(peerInfo(left), code),
    })
    this.#connections.add(connection)
    this.#logger.info(
      { conn: id, room: doc, user: grant.user, access: grant.access, ...meta },
      'connection opened',
    )
  }

  /** Pipe a client socket to the owner of its document. */
  pipe(client: WebSocket, ownerSocket: WebSocket, doc: string, owner: string): void {
    const id = `f${this.#nextId++}`
    const socket = new ForwardedSocket(id, client, ownerSocket, doc, owner, this.#options.forward, {
      logger: this.#logger,
      metrics: this.#metrics,
      onClosed: (closed) => {
        this.#forwarded.delete(closed)
        this.#metrics.forwardedSockets.set(this.#forwarded.size)
      },
    })
    this.#forwarded.add(socket)
    this.#metrics.forwardsOpened.inc()
    this.#metrics.forwardedSockets.set(this.#forwarded.size)
    this.#logger.debug({ conn: id, room: doc, owner }, 'socket forwarded')
  }

  /**
   * Close or downgrade every socket served here that `target` covers; with `issuedBefore`,
   * only those whose token was issued at or before that time (ms).
   */
  revoke(target: RevocationTarget, mode: RevocationMode, issuedBefore?: number): number {
    let affected = 0
    for (const connection of this.#connections) {
      if (!targetCovers(target, connection.grant.user, connection.docName)) continue
      const { issuedAt } = connection.grant
      if (issuedBefore !== undefined && issuedAt !== null && issuedAt > issuedBefore) continue
      affected++
      if (mode === 'close') connection.close(CloseCode.forbidden, 'access revoked')
      else connection.downgrade()
    }
    return affected
  }

  /**
   * `doc` moved to another node: close its sockets here with 4503 (they reconnect and are
   * routed to the new owner), taking what they sent before they saw the close frame; drop
   * those that do not answer within the drain time.
   */
  async moveAway(doc: string): Promise<void> {
    const leaving = [...this.#connections].filter((c) => c.docName === doc)
    if (leaving.length === 0) return
    await this.#drain(
      leaving.map((c) => c.goAway(CloseCode.documentMoved, 'document moved; reconnect')),
      this.#options.moveDrainMs,
    )
    for (const c of leaving) c.terminate()
  }

  /** Heartbeat tick of every socket. */
  heartbeat(): void {
    for (const connection of this.#connections) connection.heartbeat()
    for (const socket of this.#forwarded) socket.heartbeat()
  }

  /**
   * Shutdown: close every socket with `code`, taking what clients sent before they saw it;
   * after `drainMs`, drop those still open.
   */
  async closeAll(code: number, reason: string, drainMs: number): Promise<void> {
    await this.#drain(
      [
        ...[...this.#connections].map((c) => c.goAway(code, reason)),
        ...[...this.#forwarded].map((f) => f.goAway(code, reason)),
      ],
      drainMs,
    )
    for (const connection of [...this.#connections]) connection.terminate()
    for (const socket of [...this.#forwarded]) socket.terminate()
  }

  async #drain(closing: Promise<void>[], ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(closing),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms)
      }),
    ])
    clearTimeout(timer)
  }
}

/** What user events say about a connection. */
function peerInfo(connection: Connection): PeerInfo {
  return {
    document: connection.docName,
    connection: connection.id,
    user: connection.grant.user,
    access: connection.grant.access,
  }
}
