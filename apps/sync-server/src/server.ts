/**
 * The sync server: HTTP and WebSocket on one port, rooms, storage. Built from a parsed
 * config and injected services; nothing here reads the environment.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { docNameOfApiUrl } from './api/api-path.js'
import { createDocumentApi } from './api/doc-api.js'
import { loadVerificationKey } from './auth/load-key.js'
import { createLevelDbRevocationLog, type RevocationLog } from './auth/revocation-log.js'
import {
  type Revocation,
  type RevocationMode,
  Revocations,
  type RevocationTarget,
} from './auth/revocations.js'
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js'
import { Cluster } from './cluster/cluster.js'
import type { ServerConfig } from './config/options.js'
import { createAdminRoutes } from './http/admin-routes.js'
import { createClusterRoutes } from './http/cluster-routes.js'
import { createHttpHandler, type HttpRoute } from './http/http-handler.js'
import { createStaticHandler } from './http/static-files.js'
import { silentLogger } from './logger.js'
import { createMetrics, type ServerMetrics } from './metrics.js'
import { CloseCode } from './protocol/close-codes.js'
import type { PresenceValidator } from './room/presence-table.js'
import { RoomRegistry } from './room/room-registry.js'
import { type RoomClock, systemClock } from './room/room-versions.js'
import type { DocStore } from './storage/doc-store.js'
import { type LevelDbDocStore, openLevelDbStore } from './storage/leveldb-store.js'
import { createMemoryStore } from './storage/memory-store.js'
import { createProxyTrust } from './transport/client-address.js'
import { ClientSockets, type PeerInfo } from './transport/client-sockets.js'
import { ConnectionLimits } from './transport/connection-limits.js'
import { TOKEN_SUBPROTOCOL } from './transport/upgrade-auth.js'
import { createUpgradeHandler } from './transport/upgrade-handler.js'
import { createLevelDbQueues } from './webhooks/leveldb-queue.js'
import { createMemoryQueues } from './webhooks/memory-queue.js'
import { createWebhookMetrics } from './webhooks/webhook-metrics.js'
import { startWebhooks, type Webhooks, webhookSettings } from './webhooks/webhooks.js'

/**
 * HTTP routes about one document, served by the document's owner: in a cluster, a request
 * reaching another node is forwarded there (see `Cluster.routeToOwner`).
 */
export interface DocumentRoute {
  /** The document a request is about, or null when the route does not handle it. */
  readonly docOf: (req: IncomingMessage, pathname: string) => string | null
  readonly handle: HttpRoute
}

/** Services the server can be given instead of building its own. */
export interface SyncServerDeps {
  /** Defaults to a silent logger. */
  readonly logger?: Logger
  /**
   * A store to use instead of opening one from the config. The server does not close it.
   * Webhook queues are then kept in memory.
   */
  readonly store?: DocStore
  /** Shape check of presence states before they are relayed. */
  readonly validatePresence?: PresenceValidator
  /** Add prom-client's process metrics (CPU, memory, GC, event-loop lag) to `/metrics`. */
  readonly processMetrics?: boolean
  /** Called after a document was loaded into memory. */
  readonly onRoomLoaded?: (name: string) => void
  /** Called after a document was stored and unloaded from memory. */
  readonly onRoomUnloaded?: (name: string) => void
  /** Called when a batch of a document's updates became durable, with the users who wrote it. */
  readonly onDocumentChanged?: (name: string, userIds: readonly string[]) => void
  /** Called when a connection joined its document (after the document loaded). */
  readonly onUserJoined?: (peer: PeerInfo) => void
  /** Called when a connection that had joined its document left it. */
  readonly onUserLeft?: (peer: PeerInfo, code: number) => void
  /** Time and timers of rooms (automatic versions, tombstones). Defaults to the real clock. */
  readonly clock?: RoomClock
  /**
   * Further routes about documents, tried after the REST API and before static files; served
   * on each document's owner.
   */
  readonly documentRoutes?: readonly DocumentRoute[]
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
  /** Number of client sockets served here (directly or forwarded to this node). */
  readonly connectionCount: number
  /** Number of client sockets this node forwards to another node. */
  readonly forwardedCount: number
  /** This node in its cluster (a cluster of one without `--cluster-nodes`). */
  readonly cluster: Cluster
}

/**
 * How many revocations are kept, and for how long: a week, so issue tokens for less than that
 * (a token issued before a revocation that has since expired works again).
 */
const REVOCATION_LIMITS = { maxEntries: 100_000, maxAgeMs: 7 * 24 * 3_600_000 } as const

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
  const clock = deps.clock ?? systemClock
  const metrics = createMetrics({
    withProcessMetrics: deps.processMetrics ?? false,
    // Read at each scrape, so a socket downgraded by a live revoke counts as read.
    openConnections: () => sockets.countByAccess(),
  })
  const webhookMetrics = createWebhookMetrics(metrics.registry)
  let webhooks: Webhooks | null = null
  let store: DocStore | null = deps.store ?? null
  const ownsStore = deps.store === undefined
  let registry: RoomRegistry | null = null
  let state: 'new' | 'listening' | 'closing' | 'closed' = 'new'
  let heartbeat: NodeJS.Timeout | null = null
  let closing: Promise<void> | null = null
  /** Every TCP connection, upgraded or not (see the end of `shutDown`). */
  const rawSockets = new Set<Socket>()

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: config.perMessageDeflate,
    clientTracking: false,
    // A client passing its token as a subprotocol (['weft', token]) gets 'weft' back.
    handleProtocols: (protocols) => (protocols.has(TOKEN_SUBPROTOCOL) ? TOKEN_SUBPROTOCOL : false),
  })
  let verifier: TokenVerifier | null = null

  const cluster = new Cluster(config, {
    logger,
    metrics,
    rooms: {
      has: (doc) => registry?.has(doc) ?? false,
      names: () => registry?.names() ?? [],
      acquire: (doc) => {
        if (registry === null) throw new Error('server is not listening')
        return registry.acquire(doc)
      },
      evict: (doc) => evict(doc),
      discard: (room) => {
        registry?.discard(room)
        room.closePeers(CloseCode.tryAgainLater, 'document is reloading; reconnect')
      },
      unloadIfUnused: (doc) => registry?.unloadIfUnused(doc),
    },
    revokeLocal: (target, mode) => revoke(target, mode),
    revocations: () => revocations.list(Date.now()),
    absorbRevocations: (incoming) => absorbRevocations(incoming),
    now: () => clock.now(),
  })

  const sockets = new ClientSockets(
    {
      connection: {
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
      forward: cluster.forwardOptions,
      moveDrainMs: Math.min(2000, config.clusterTimeoutMs / 2),
    },
    {
      logger,
      metrics,
      onJoined: (peer) => {
        webhooks?.userJoined(peer)
        deps.onUserJoined?.(peer)
      },
      onLeft: (peer, code) => {
        webhooks?.userLeft(peer, code)
        deps.onUserLeft?.(peer, code)
      },
    },
  )
  const revocations = new Revocations(REVOCATION_LIMITS)
  /** Where revocations are stored (LevelDB storage only), set once the store is open. */
  let revocationLog: RevocationLog | null = null
  const documentApi = createDocumentApi({
    registry: () => (state === 'listening' ? registry : null),
    store: () => store,
    auth: {
      adminKey: config.adminKey,
      allowedOrigins: config.allowedOrigins,
      verifier: () => verifier,
      revocations,
      now: clock.now,
    },
    logger,
    metrics,
    clock,
    list: (query) => cluster.listDocuments(query),
    options: {
      maxBodyBytes: config.maxFrameBytes,
      maxNestingDepth: config.maxNestingDepth,
      waitMs: config.loadTimeoutMs,
      tombstoneMs: config.tombstoneTtlMs,
    },
  })

  const handleRequest = createHttpHandler({
    logger,
    registry: metrics.registry,
    serveStatic: createStaticHandler(config.staticDir),
    notReadyReason: () => {
      if (state !== 'listening') return `server is ${state}`
      if (store === null || !store.isOpen) return 'storage is not open'
      if (!cluster.membership.isReady) return 'cluster view not known yet'
      return null
    },
    readyDetails: () => {
      if (!cluster.membership.clustered) return {}
      const { node, unreachablePeers } = cluster.status()
      return { node, unreachablePeers }
    },
    routes: [
      createAdminRoutes({
        adminKey: config.adminKey,
        revoke: (target, mode) => cluster.revoke(target, mode),
      }),
      createClusterRoutes({
        adminKey: config.adminKey,
        status: () => cluster.status(),
        ownerOf: (doc) => cluster.ownerInfo(doc),
      }),
      // Requests about one document are served by its owner; a listing asks every node.
      cluster.routeToOwner(documentApi.route, (req) => docNameOfApiUrl(req.url)),
      ...(deps.documentRoutes ?? []).map((r) => cluster.routeToOwner(r.handle, r.docOf)),
    ],
  })

  /**
   * Close or downgrade every socket here a revocation covers and, with auth, refuse the tokens
   * issued before it, also after a restart: resolves once the revocation is stored.
   */
  async function revoke(target: RevocationTarget, mode: RevocationMode): Promise<number> {
    const at = Date.now()
    if (verifier !== null) revocations.add(target, mode, at)
    const affected = sockets.revoke(target, mode)
    logger.info({ ...target, mode, affected }, 'access revoked')
    if (verifier !== null && revocationLog !== null) {
      try {
        await revocationLog.append([{ target, mode, at }])
      } catch (error) {
        logger.error(
          { err: error, ...target, mode },
          'storing a revocation failed; it holds until this process stops',
        )
        throw error
      }
    }
    return affected
  }

  /**
   * Revocations another node holds (shared when a link opens): record and store the new ones,
   * and close or downgrade the sockets here whose tokens they cover. Resolves with how many
   * were new. Without auth there are no tokens to refuse: nothing is recorded.
   */
  async function absorbRevocations(incoming: readonly Revocation[]): Promise<number> {
    if (verifier === null) return 0
    const added = revocations.merge(incoming, Date.now())
    for (const { target, mode, at } of added) {
      const affected = sockets.revoke(target, mode, at)
      logger.info({ ...target, mode, at, affected }, 'access revoked (learned from a peer)')
    }
    await revocationLog?.append(added)
    return added.length
  }

  /** A document moved to another node: its sockets reconnect there; store and unload it. */
  async function evict(doc: string): Promise<void> {
    await sockets.moveAway(doc)
    await registry?.evict(doc, CloseCode.documentMoved, 'document moved; reconnect')
  }

  // Slowloris: a client gets `handshakeTimeoutMs` to send its headers; Node checks the
  // deadline every `connectionsCheckingInterval`.
  const serverOptions = {
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: Math.max(60_000, config.handshakeTimeoutMs),
    connectionsCheckingInterval: Math.min(1000, config.handshakeTimeoutMs / 4),
  }
  let http: Server = createServer(serverOptions, handleRequest)
  const proxies = createProxyTrust(config.trustedProxies)
  const limits = new ConnectionLimits(config, metrics, proxies)

  const onUpgrade = createUpgradeHandler({
    wss,
    logger,
    metrics,
    cluster,
    limits,
    revocations,
    allowedOrigins: config.allowedOrigins,
    maxConnections: config.maxConnections,
    accepting: () => state === 'listening' && registry !== null,
    verifier: () => verifier,
    openSockets: () => sockets.servedCount + sockets.forwardedCount,
    clientAddress: (req) => {
      const remote = req.socket.remoteAddress ?? 'unknown'
      return proxies === null
        ? remote
        : proxies.clientAddress(remote, req.headers['x-forwarded-for'])
    },
    // An upgrade that was still being decided when shutdown began is turned away here.
    serve: (ws, doc, grant, ip, via) => {
      if (state !== 'listening' || registry === null) {
        ws.close(CloseCode.goingAway, 'server shutting down')
      } else {
        sockets.serve(ws, doc, grant, registry, { ip, via })
      }
    },
    pipe: (client, ownerSocket, doc, owner) => {
      if (state !== 'listening') {
        client.close(CloseCode.goingAway, 'server shutting down')
        ownerSocket.terminate()
      } else {
        sockets.pipe(client, ownerSocket, doc, owner)
      }
    },
  })

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
      http.on('secureConnection', (socket: Socket) => limits.startHandshakeDeadline(socket))
    } else {
      http.on('connection', (socket: Socket) => limits.startHandshakeDeadline(socket))
    }
    http.on('connection', (socket: Socket) => {
      limits.onConnection(socket)
      rawSockets.add(socket)
      socket.once('close', () => rawSockets.delete(socket))
    })
    http.on('request', (req: IncomingMessage) => limits.handshakeDone(req.socket))
    http.on('upgrade', onUpgrade)
    let levelStore: LevelDbDocStore | null = null
    if (store === null) {
      if (config.storage === 'memory') store = createMemoryStore()
      else store = levelStore = await openLevelDbStore({ dir: config.dataDir, fsync: config.fsync })
    }
    if (levelStore !== null) {
      revocationLog = createLevelDbRevocationLog(levelStore.sublevel('revocations'), {
        fsync: config.fsync,
        ...REVOCATION_LIMITS,
      })
      // Before the first upgrade can be answered: a revoked token stays revoked.
      revocations.merge(await revocationLog.load(Date.now()), Date.now())
    }
    const settings = webhookSettings(config)
    if (settings !== null) {
      webhooks = await startWebhooks(settings, {
        // In the documents' database, so the queue is on disk exactly when they are.
        queues:
          levelStore === null
            ? createMemoryQueues()
            : createLevelDbQueues(levelStore.sublevel('webhooks'), { fsync: config.fsync }),
        logger,
        metrics: webhookMetrics,
      })
    }
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
          tombstoneMs: config.tombstoneTtlMs,
          versionIntervalMs: config.versionIntervalMs,
          keepAuto: config.versionKeep,
          maxAutoAgeMs: config.versionMaxAgeMs,
          maxLabelled: config.maxLabelledVersions,
        },
      },
      {
        store,
        logger,
        metrics,
        clock,
        beforeLoad: (name) => cluster.gather(name),
        onRoomLoaded: (name) => {
          cluster.roomLoaded(name)
          webhooks?.roomOpened(name)
          deps.onRoomLoaded?.(name)
        },
        onRoomUnloaded: (name) => {
          webhooks?.roomClosed(name)
          deps.onRoomUnloaded?.(name)
        },
        ...(webhooks !== null || deps.onDocumentChanged !== undefined
          ? {
              onDocumentChanged: (name: string, userIds: readonly string[]) => {
                webhooks?.documentChanged(name, userIds)
                deps.onDocumentChanged?.(name, userIds)
              },
            }
          : {}),
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
    cluster.start(store)
    heartbeat = setInterval(() => sockets.heartbeat(), config.heartbeatIntervalMs)
    heartbeat.unref()
    const address = http.address() as AddressInfo
    logger.info(
      {
        host: address.address,
        port: address.port,
        storage: config.storage,
        dataDir: config.dataDir,
        node: cluster.self,
        cluster: cluster.membership.configured.map((n) => n.id),
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
    await sockets.closeAll(
      CloseCode.goingAway,
      'server shutting down',
      Math.min(2000, config.shutdownTimeoutMs / 2),
    )
    logger.info('sockets closed; stopping cluster links')
    await cluster.stop()
    logger.info('storing every document')
    await registry?.closeAll()
    // After the rooms (their last changes and room.closed are events too), before storage.
    await webhooks?.close()
    logger.info('documents stored; closing storage')
    if (ownsStore && store !== null) await store.close()
    http.closeAllConnections()
    // Upgraded sockets are not the HTTP server's any more: whatever is left (a node link, a
    // socket upgraded while shutting down) would keep `close` waiting.
    for (const socket of rawSockets) socket.destroy()
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
      return sockets.servedCount
    },
    get forwardedCount() {
      return sockets.forwardedCount
    },
    cluster,
  }
}
