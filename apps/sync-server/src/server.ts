/**
 * The sync server: HTTP and WebSocket on one port, rooms, storage. Built from a parsed
 * config and injected services; nothing here reads the environment.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { loadVerificationKey } from './auth/load-key.js'
import {
  type RevocationMode,
  Revocations,
  type RevocationTarget,
  targetCovers,
} from './auth/revocations.js'
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js'
import type { ServerConfig } from './config/options.js'
import { createAdminRoutes } from './http/admin-routes.js'
import { createHttpHandler } from './http/http-handler.js'
import { createStaticHandler } from './http/static-files.js'
import { silentLogger } from './logger.js'
import { createMetrics, type ServerMetrics } from './metrics.js'
import { CloseCode } from './protocol/close-codes.js'
import type { PresenceValidator } from './room/presence-table.js'
import { RoomRegistry } from './room/room-registry.js'
import type { DocStore } from './storage/doc-store.js'
import { openLevelDbStore } from './storage/leveldb-store.js'
import { createMemoryStore } from './storage/memory-store.js'
import { Connection } from './transport/connection.js'
import { parseDocName } from './transport/doc-name.js'
import { decideUpgrade, TOKEN_SUBPROTOCOL } from './transport/upgrade-auth.js'

/** Services the server can be given instead of building its own. */
export interface SyncServerDeps {
  /** Defaults to a silent logger. */
  readonly logger?: Logger
  /** A store to use instead of opening one from the config. The server does not close it. */
  readonly store?: DocStore
  /** Shape check of presence states before they are relayed. */
  readonly validatePresence?: PresenceValidator
  /** Add prom-client's process metrics (CPU, memory, event loop) to `/metrics`. */
  readonly processMetrics?: boolean
  /** Called after a document was loaded into memory. */
  readonly onRoomLoaded?: (name: string) => void
  /** Called after a document was stored and unloaded from memory. */
  readonly onRoomUnloaded?: (name: string) => void
}

/** A running (or runnable) sync server. */
export interface SyncServer {
  /** Open storage and start listening. Resolves with the bound address. */
  listen(): Promise<AddressInfo>
  /**
   * Stop: refuse new connections, close sockets with 1001, store every document, close
   * storage. Resolves when everything is durable.
   */
  close(): Promise<void>
  /** The bound address, once listening. */
  readonly address: AddressInfo | null
  readonly metrics: ServerMetrics
  /** Number of rooms in memory. */
  readonly roomCount: number
  /** Number of open client sockets. */
  readonly connectionCount: number
}

/**
 * Create a sync server.
 *
 * @example
 * const server = createSyncServer({ ...defaultConfig(), port: 0, storage: 'memory' })
 * const { port } = await server.listen()
 * // y-websocket clients connect to ws://127.0.0.1:<port>/<document>
 * await server.close()
 */
export function createSyncServer(config: ServerConfig, deps: SyncServerDeps = {}): SyncServer {
  const logger = deps.logger ?? silentLogger()
  const metrics = createMetrics({ withProcessMetrics: deps.processMetrics ?? false })
  const connections = new Set<Connection>()
  let store: DocStore | null = deps.store ?? null
  const ownsStore = deps.store === undefined
  let registry: RoomRegistry | null = null
  let state: 'new' | 'listening' | 'closing' | 'closed' = 'new'
  let heartbeat: NodeJS.Timeout | null = null
  let nextConnectionId = 1
  let closing: Promise<void> | null = null

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: config.perMessageDeflate,
    clientTracking: false,
    // A client passing its token as a subprotocol (['weft', token]) gets 'weft' back.
    handleProtocols: (protocols) => (protocols.has(TOKEN_SUBPROTOCOL) ? TOKEN_SUBPROTOCOL : false),
  })
  let verifier: TokenVerifier | null = null

  const handleRequest = createHttpHandler({
    logger,
    registry: metrics.registry,
    serveStatic: createStaticHandler(config.staticDir),
    notReadyReason: () => {
      if (state !== 'listening') return `server is ${state}`
      if (store === null || !store.isOpen) return 'storage is not open'
      return null
    },
    routes: [
      createAdminRoutes({
        adminKey: config.adminKey,
        revoke: (target, mode) => revoke(target, mode),
      }),
    ],
  })
  // Revocations last a week: issue tokens for less than that.
  const revocations = new Revocations({ maxEntries: 100_000, maxAgeMs: 7 * 24 * 3_600_000 })

  /** Close or downgrade every socket a revocation covers (and, with auth, tokens issued before). */
  function revoke(target: RevocationTarget, mode: RevocationMode): number {
    if (verifier !== null) revocations.add(target, mode, Date.now())
    let affected = 0
    for (const connection of connections) {
      if (!targetCovers(target, connection.grant.user, connection.docName)) continue
      affected++
      if (mode === 'close') connection.close(CloseCode.forbidden, 'access revoked')
      else connection.downgrade()
    }
    logger.info({ ...target, mode, affected }, 'access revoked')
    return affected
  }
  // Slowloris: a client gets `handshakeTimeoutMs` to send its headers; Node checks the
  // deadline every `connectionsCheckingInterval`.
  const serverOptions = {
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: Math.max(60_000, config.handshakeTimeoutMs),
    connectionsCheckingInterval: Math.min(1000, config.handshakeTimeoutMs / 4),
  }
  let http: Server = createServer(serverOptions, handleRequest)

  /** Open TCP connections per client address, for `maxConnectionsPerIp`. */
  const perIp = new Map<string, number>()
  /** Sockets that have not sent a complete request yet, with their deadline. */
  const handshakeDeadlines = new WeakMap<Socket, { timer: NodeJS.Timeout; clear: () => void }>()
  const onConnection = (socket: Socket): void => {
    const ip = socket.remoteAddress ?? 'unknown'
    const count = (perIp.get(ip) ?? 0) + 1
    if (count > config.maxConnectionsPerIp) {
      metrics.connectionsRefused.inc({ reason: 'per_ip' })
      socket.destroy()
      return
    }
    perIp.set(ip, count)
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1
      if (left === 0) perIp.delete(ip)
      else perIp.set(ip, left)
    })
  }
  /**
   * Node's headersTimeout only starts with the first byte: a socket that never sends anything,
   * or sends headers forever, is cut off here. (With TLS, from the end of the TLS handshake,
   * which has its own `handshakeTimeout`.)
   */
  const startHandshakeDeadline = (socket: Socket): void => {
    const deadline = setTimeout(() => {
      metrics.connectionsRefused.inc({ reason: 'handshake_timeout' })
      socket.destroy()
    }, config.handshakeTimeoutMs)
    deadline.unref()
    const clear = (): void => clearTimeout(deadline)
    handshakeDeadlines.set(socket, { timer: deadline, clear })
    socket.once('close', clear)
  }
  /** A complete request arrived on `socket`: it is no longer in its handshake. */
  const handshakeDone = (socket: Socket): void => {
    const deadline = handshakeDeadlines.get(socket)
    if (deadline === undefined) return
    clearTimeout(deadline.timer)
    // The listener would keep the spent timer for the socket's lifetime.
    socket.off('close', deadline.clear)
    handshakeDeadlines.delete(socket)
  }

  // One listener for every socket: a closure made in onUpgrade would keep its request (headers
  // and all) alive as long as the socket.
  const onUpgradeSocketError = (error: Error): void => {
    logger.debug({ err: error }, 'upgrade socket error')
  }
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    handshakeDone(req.socket)
    socket.on('error', onUpgradeSocketError)
    handleUpgrade(req, socket, head).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'upgrade failed')
      rejectUpgrade(socket, 500, 'internal error')
    })
  }

  /** Refuse an upgrade: a close code for browsers (they cannot see HTTP statuses), else HTTP. */
  const refuse = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    refusal: { status: number; closeCode: number; reason: string },
  ): void => {
    if (req.headers.origin === undefined) {
      rejectUpgrade(socket, refusal.status, refusal.reason)
    } else {
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(refusal.closeCode, refusal.reason))
    }
  }

  // Shared by every connection: a closure made per upgrade would keep that upgrade's request
  // (headers and all) alive for as long as the connection lasts.
  const onConnectionClosed = (closed: Connection): void => {
    connections.delete(closed)
    metrics.connectionsOpen.set(connections.size)
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (state !== 'listening' || registry === null) {
      rejectUpgrade(socket, 503, 'server is shutting down')
      return
    }
    const parsed = parseDocName(req.url)
    if (!parsed.ok) {
      rejectUpgrade(socket, 400, parsed.reason)
      return
    }
    if (connections.size >= config.maxConnections) {
      metrics.connectionsRefused.inc({ reason: 'max_connections' })
      refuse(req, socket, head, {
        status: 503,
        closeCode: CloseCode.tryAgainLater,
        reason: 'server is at its connection limit',
      })
      return
    }
    const decision = await decideUpgrade(req, parsed.name, {
      allowedOrigins: config.allowedOrigins,
      verifier,
    })
    if (socket.destroyed) return
    if (!decision.ok) {
      metrics.authFailures.inc({ reason: decision.status === 401 ? 'unauthorized' : 'forbidden' })
      logger.info(
        {
          room: parsed.name,
          ip: req.socket.remoteAddress,
          origin: req.headers.origin,
          reason: decision.reason,
        },
        'upgrade refused',
      )
      refuse(req, socket, head, decision)
      return
    }
    const grant = revocations.apply(decision.grant, parsed.name, Date.now())
    if (grant === null) {
      metrics.authFailures.inc({ reason: 'revoked' })
      refuse(req, socket, head, {
        status: 403,
        closeCode: CloseCode.forbidden,
        reason: 'access revoked',
      })
      return
    }
    const rooms = registry
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = `c${nextConnectionId++}`
      const connection = new Connection(
        id,
        ws,
        parsed.name,
        grant,
        {
          maxBufferedBytes: config.maxBufferedBytes,
          maxQueuedFrames: config.maxQueuedFrames,
          maxQueuedBytes: config.maxFrameBytes,
          loadTimeoutMs: config.loadTimeoutMs,
          maxMessagesPerSecond: config.maxMessagesPerSecond,
          messageBurst: config.messageBurst,
          maxBytesPerSecond: config.maxBytesPerSecond,
          byteBurst: config.byteBurst,
          maxAwarenessPerSecond: config.maxAwarenessPerSecond,
        },
        {
          registry: rooms,
          logger,
          metrics,
          onClosed: onConnectionClosed,
        },
      )
      connections.add(connection)
      metrics.connectionsOpen.set(connections.size)
      logger.debug(
        {
          conn: id,
          room: parsed.name,
          user: grant.user,
          access: grant.access,
          ip: req.socket.remoteAddress,
        },
        'connection opened',
      )
    })
  }

  async function listen(): Promise<AddressInfo> {
    if (state !== 'new') throw new Error(`cannot listen: server is ${state}`)
    const key = await loadVerificationKey(config)
    verifier = key === null ? null : createTokenVerifier(key)
    if (config.tlsCert !== null && config.tlsKey !== null) {
      const [cert, tlsKey] = await Promise.all([readFile(config.tlsCert), readFile(config.tlsKey)])
      http = createHttpsServer(
        { ...serverOptions, cert, key: tlsKey, handshakeTimeout: config.handshakeTimeoutMs },
        handleRequest,
      )
      http.on('secureConnection', startHandshakeDeadline)
    } else {
      http.on('connection', startHandshakeDeadline)
    }
    http.on('connection', onConnection)
    http.on('request', (req: IncomingMessage) => handshakeDone(req.socket))
    http.on('upgrade', onUpgrade)
    store ??=
      config.storage === 'memory'
        ? createMemoryStore()
        : await openLevelDbStore({ dir: config.dataDir, fsync: config.fsync })
    registry = new RoomRegistry(
      {
        idleTimeoutMs: config.idleTimeoutMs,
        maxRooms: config.maxRooms,
        room: {
          compactAfterUpdates: config.compactAfterUpdates,
          compactAfterBytes: config.compactAfterBytes,
          retryDelayMs: 100,
          maxRetryDelayMs: 5000,
          maxAwarenessStateBytes: config.maxAwarenessStateBytes,
          presenceIntervalMs: config.presenceIntervalMs,
          maxPendingBytes: config.maxPendingBytes,
          validatePresence: deps.validatePresence,
          maxDocBytes: config.maxDocBytes,
          maxNestingDepth: config.maxNestingDepth,
          maxPendingStructBytes: config.maxPendingStructBytes,
          maxPendingUpdatesPerPeer: config.maxPendingUpdatesPerSocket,
        },
      },
      {
        store,
        logger,
        metrics,
        onRoomLoaded: deps.onRoomLoaded ?? (() => undefined),
        onRoomUnloaded: deps.onRoomUnloaded ?? (() => undefined),
      },
    )
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(config.port, config.host, () => {
        http.off('error', reject)
        resolve()
      })
    })
    state = 'listening'
    heartbeat = setInterval(() => {
      for (const connection of connections) connection.heartbeat()
    }, config.heartbeatIntervalMs)
    heartbeat.unref()
    const address = http.address() as AddressInfo
    logger.info(
      {
        host: address.address,
        port: address.port,
        storage: config.storage,
        dataDir: config.dataDir,
      },
      'weft-server listening',
    )
    return address
  }

  async function shutDown(): Promise<void> {
    const wasListening = state === 'listening'
    state = 'closing'
    if (heartbeat !== null) clearInterval(heartbeat)
    const httpClosed = new Promise<void>((resolve) => {
      if (!wasListening) resolve()
      else http.close(() => resolve())
    })
    // Tell every client to go away, but take what they sent before they saw that; give up on
    // those that do not answer within the drain time.
    const drained = Promise.all(
      [...connections].map((c) => c.goAway(CloseCode.goingAway, 'server shutting down')),
    )
    let drainTimer: NodeJS.Timeout | undefined
    await Promise.race([
      drained,
      new Promise<void>((resolve) => {
        drainTimer = setTimeout(resolve, Math.min(2000, config.shutdownTimeoutMs / 2))
      }),
    ])
    clearTimeout(drainTimer)
    for (const connection of [...connections]) connection.terminate()
    await registry?.closeAll()
    if (ownsStore && store !== null) await store.close()
    http.closeAllConnections()
    wss.close()
    await httpClosed
    state = 'closed'
    logger.info('weft-server stopped')
  }

  return {
    listen,
    close() {
      closing ??= shutDown()
      return closing
    },
    get address() {
      const address = http.address()
      return typeof address === 'object' ? address : null
    },
    metrics,
    get roomCount() {
      return registry?.size ?? 0
    },
    get connectionCount() {
      return connections.size
    },
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Answer an upgrade request with a plain HTTP error and close the socket. */
function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
