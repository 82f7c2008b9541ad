/**
 * The cluster seen from one node: membership and links, where a document's sockets and
 * requests are served, forwarding, hand-off and cluster-wide revocation, behind the few typed
 * calls `server.ts` and the upgrade handler make. Without `--cluster-nodes` it is a cluster of
 * one: every document is local and nothing here does any I/O.
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Grant } from '../auth/grant.js'
import type { Revocation, RevocationMode, RevocationTarget } from '../auth/revocations.js'
import type { ServerConfig } from '../config/options.js'
import type { HttpRoute } from '../http/http-handler.js'
import { sendJson } from '../http/send-json.js'
import type { ServerMetrics } from '../metrics.js'
import { type DocStore, StoreClosedError, type StoredDocPage } from '../storage/doc-store.js'
import { mergeDocPages, type NodeDocPage } from './doc-listing.js'
import { Handoff, type HandoffEvent, type HandoffRooms } from './handoff.js'
import { forwardHttpRequest } from './http-forwarder.js'
import {
  HISTORY_REVISION,
  type LinkRequest,
  type LinkResponse,
  REVOCATIONS_REVISION,
} from './link-codec.js'
import { Membership, type MembershipEvent } from './membership.js'
import { createNodeAuth, type NodeAuth, type NodeAuthCheck, nodeAssertionOf } from './node-auth.js'
import type { ClusterNode } from './node-list.js'
import {
  type ForwardOptions,
  type OwnerSocketFailure,
  openOwnerSocket,
} from './socket-forwarder.js'

/** The id of a node without `--node-id`. */
export const LOCAL_NODE_ID = 'local'

/** The options the cluster reads. */
export type ClusterConfig = Pick<
  ServerConfig,
  | 'nodeId'
  | 'clusterNodes'
  | 'clusterSecret'
  | 'clusterTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'maxBufferedBytes'
  | 'tombstoneTtlMs'
>

/** Most documents one node lists per request. */
const MAX_LIST_LIMIT = 1000

/** A page of the cluster-wide listing (`Cluster.listDocuments`). */
export interface ClusterDocPage extends StoredDocPage {
  /**
   * In a cluster: nodes whose documents are missing from the page (unreachable, failed to
   * answer, or too old to answer). Absent for a cluster of one.
   */
  readonly unreachableNodes?: readonly string[]
}

/** Where the sockets of a document are served. */
export type SocketRoute =
  | { readonly kind: 'local' }
  | { readonly kind: 'forward'; readonly owner: ClusterNode }
  /** The owner has no open link: its documents are unavailable (1013) until it is back. */
  | { readonly kind: 'unavailable'; readonly owner: string }

/** Services of the cluster. */
export interface ClusterDeps {
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** This node's rooms, for the hand-off. */
  readonly rooms: HandoffRooms
  /**
   * Revoke on this node only; resolves with the number of sockets closed or downgraded once
   * the revocation is stored.
   */
  readonly revokeLocal: (target: RevocationTarget, mode: RevocationMode) => Promise<number>
  /** The revocations this node holds, to share with a peer whose link opened. */
  readonly revocations: () => readonly Revocation[]
  /**
   * Take revocations another node holds: record (and store) the new ones and act on the
   * sockets here they cover; resolves with how many were new.
   */
  readonly absorbRevocations: (revocations: readonly Revocation[]) => Promise<number>
  /** The current time (the rooms' clock), for tombstones. */
  readonly now: () => number
}

/** What `/cluster` and `/readyz` report. */
export interface ClusterStatus {
  readonly node: string
  /** Whether this node is in its own configured list (false: it is leaving). */
  readonly member: boolean
  /** Whether this node is in the view it routes by, i.e. owns documents (false once it left). */
  readonly inView: boolean
  /**
   * Whether hand-offs are done for the current view: the last scan is complete and nothing
   * waits for a retry. A leaving node with `inView: false`, `settled: true` and
   * `foreignDocuments: 0` holds nothing any more and can be removed.
   */
  readonly settled: boolean
  readonly ready: boolean
  /** The node list this node routes by. */
  readonly nodes: readonly { id: string; url: string; self: boolean; reachable: boolean }[]
  readonly configured: readonly string[]
  readonly unreachablePeers: readonly string[]
  /** Documents stored here that another node owns, still to be handed over. */
  readonly foreignDocuments: number
  /** Documents handed over since start: copies deleted here, copies stored here. */
  readonly handoffs: { readonly given: number; readonly taken: number }
}

/** Events of a cluster node, for operators' tooling and tests. */
export interface ClusterEvents {
  /** The view changed, a link opened or closed, or a peer introduced itself on a link. */
  change: [MembershipEvent]
  /** A document was taken over or given away, or a hand-off scan ended. */
  handoff: [HandoffEvent]
}

/** The cluster of one node; see the module comment. */
export class Cluster {
  readonly membership: Membership
  readonly forwardOptions: ForwardOptions
  /** Emits `change` (see `ClusterEvents`). */
  readonly events = new EventEmitter<ClusterEvents>()
  #given = 0
  #taken = 0
  readonly #config: ClusterConfig
  readonly #deps: ClusterDeps
  readonly #auth: NodeAuth | null
  /** Accepts control links: their frames may be as large as a whole document (`maxPayload`). */
  readonly #linkServer: WebSocketServer
  #handoff: Handoff | null = null
  #store: DocStore | null = null

  constructor(config: ClusterConfig, deps: ClusterDeps) {
    this.#config = config
    this.#deps = deps
    this.#auth = config.clusterSecret === null ? null : createNodeAuth(config.clusterSecret)
    // A node sends a document's whole state, or one version of it, in one link frame; the
    // config makes --max-buffered-bytes at least --max-doc-bytes.
    const maxFrameBytes = config.maxBufferedBytes
    this.#linkServer = new WebSocketServer({
      noServer: true,
      maxPayload: maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.forwardOptions = {
      timeoutMs: config.clusterTimeoutMs,
      maxOwnerFrameBytes: maxFrameBytes,
      maxBufferedBytes: config.maxBufferedBytes,
    }
    this.membership = new Membership(
      {
        self: config.nodeId ?? LOCAL_NODE_ID,
        members: config.clusterNodes,
        timeoutMs: config.clusterTimeoutMs,
        heartbeatIntervalMs: Math.min(config.heartbeatIntervalMs, config.clusterTimeoutMs),
        maxFrameBytes,
      },
      {
        auth: this.#auth,
        logger: deps.logger,
        metrics: deps.metrics,
        onRequest: (from, request) => this.#answer(from, request),
        onChange: (event) => {
          if (event.kind === 'hello') void this.#shareRevocations(event.peer)
          else if (event.kind !== 'down') this.#handoff?.rebalance()
          this.events.emit('change', event)
        },
      },
    )
  }

  /** This node's id. */
  get self(): string {
    return this.membership.self
  }

  /** Start linking to peers and handing over what this node holds but does not own. */
  start(store: DocStore): void {
    this.#store = store
    this.#handoff = new Handoff(
      {
        timeoutMs: this.#config.clusterTimeoutMs,
        concurrency: 4,
        tombstoneMs: this.#config.tombstoneTtlMs,
      },
      {
        membership: this.membership,
        store,
        rooms: this.#deps.rooms,
        logger: this.#deps.logger,
        metrics: this.#deps.metrics,
        now: this.#deps.now,
        onEvent: (event) => {
          if (event.kind === 'given') this.#given++
          if (event.kind === 'taken') this.#taken++
          this.events.emit('handoff', event)
        },
      },
    )
    this.membership.start()
    const handoff = this.#handoff
    void this.membership.ready.then(() => handoff.rebalance())
    if (this.#config.clusterNodes.length > 0 && !this.#isMember()) {
      this.#deps.logger.warn(
        { node: this.self },
        'this node is not in --cluster-nodes: it serves no document and hands every one over',
      )
    }
  }

  /** Stop hand-offs and close every link. */
  async stop(): Promise<void> {
    this.#handoff?.stop()
    await this.#handoff?.idle()
    this.membership.stop()
    this.#linkServer.close()
  }

  /**
   * Resolves once the view is known (every node tried once), or after the cluster timeout:
   * wait for it before routing a client.
   */
  async ready(): Promise<void> {
    if (this.membership.isReady) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.membership.ready,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#config.clusterTimeoutMs)
      }),
    ])
    clearTimeout(timer)
  }

  /** Where a client socket for `doc` is served, as of now. */
  route(doc: string): SocketRoute {
    const owner = this.membership.ownerOf(doc)
    if (owner === this.self) return { kind: 'local' }
    const node = this.membership.node(owner)
    if (node === undefined || !this.membership.isReachable(owner)) {
      return { kind: 'unavailable', owner }
    }
    return { kind: 'forward', owner: node }
  }

  /** The owner of `doc`, its URL (null for a cluster of one) and whether it is reachable. */
  ownerInfo(doc: string): { id: string; url: string | null; reachable: boolean } {
    const id = this.membership.ownerOf(doc)
    return {
      id,
      url: this.membership.node(id)?.url || null,
      reachable: this.membership.isReachable(id),
    }
  }

  /** Whether this node owns `doc` now. */
  owns(doc: string): boolean {
    return this.membership.ownerOf(doc) === this.self
  }

  /** Check a request's node assertion; null when the request carries none. */
  async authenticate(req: IncomingMessage): Promise<NodeAuthCheck | null> {
    const token = nodeAssertionOf(req)
    if (token === null) return null
    if (this.#auth === null) return { ok: false, reason: 'this node has no cluster secret' }
    return this.#auth.verify(token, this.self)
  }

  /** Upgrade an authenticated request of node `from` to a control link and take it. */
  acceptLinkUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, from: string): void {
    this.#linkServer.handleUpgrade(req, socket, head, (ws) => this.membership.accept(ws, from))
  }

  /** Open a socket to `owner` for a client of `doc`. */
  openOwnerSocket(
    owner: ClusterNode,
    doc: string,
    grant: Grant,
  ): Promise<WebSocket | OwnerSocketFailure> {
    if (this.#auth === null) return Promise.resolve('refused')
    return openOwnerSocket(owner, doc, grant, this.self, this.#auth, this.forwardOptions)
  }

  /** Before `doc` loads here: merge every reachable node's copy (see `Handoff.gather`). */
  gather(doc: string): Promise<void> {
    return this.#handoff?.gather(doc) ?? Promise.resolve()
  }

  /** A room was loaded here. */
  roomLoaded(doc: string): void {
    this.#handoff?.roomLoaded(doc)
  }

  /**
   * Wrap a route about documents so each request is served by the document's owner: here
   * when this node owns it (or a peer forwarded it), else forwarded to the owner. `docOf` names
   * the document a request is about, or null for requests the route handles on any node.
   *
   * @example
   * routes: [cluster.routeToOwner(docApi, (req, path) => docNameOfApiPath(path))]
   */
  routeToOwner(
    route: HttpRoute,
    docOf: (req: IncomingMessage, pathname: string) => string | null,
  ): HttpRoute {
    return async (req, res, pathname) => {
      const doc = docOf(req, pathname)
      if (doc === null) return route(req, res, pathname)
      const check = await this.authenticate(req)
      if (check !== null) {
        if (!check.ok || check.claim.kind !== 'http' || check.claim.doc !== doc) {
          this.#deps.metrics.authFailures.inc({ reason: 'node' })
          sendJson(res, 401, { error: 'node authentication failed', code: 'NODE_UNAUTHORIZED' })
          return true
        }
        // Forwarded by a peer: served here or not at all, never forwarded again.
        if (!this.owns(doc)) {
          res.setHeader('retry-after', '1')
          sendJson(res, 503, { error: 'the document is moving between nodes', code: 'MOVING' })
          return true
        }
        return route(req, res, pathname)
      }
      const where = this.route(doc)
      if (where.kind === 'local') return route(req, res, pathname)
      if (where.kind === 'unavailable' || this.#auth === null) {
        this.#deps.metrics.forwardedRequests.inc({ result: 'unavailable' })
        res.setHeader('retry-after', '1')
        sendJson(res, 503, { error: 'document owner unavailable', code: 'OWNER_UNAVAILABLE' })
        return true
      }
      await forwardHttpRequest(req, res, where.owner, doc, {
        self: this.self,
        auth: this.#auth,
        logger: this.#deps.logger,
        metrics: this.#deps.metrics,
        timeoutMs: this.#config.clusterTimeoutMs,
      })
      return true
    }
  }

  /** Revoke on every node: here, then on each reachable peer. */
  async revoke(
    target: RevocationTarget,
    mode: RevocationMode,
  ): Promise<{ affected: number; unreachable: string[] }> {
    let affected = await this.#deps.revokeLocal(target, mode)
    const unreachable = this.membership.unreachable()
    await Promise.all(
      this.membership.linkedPeers().map(async (peer) => {
        try {
          const answer = await this.membership.request(peer, { op: 'revoke', target, mode })
          if (answer.op === 'revoke') affected += answer.affected
        } catch (error) {
          this.#deps.logger.error({ err: error, peer }, 'revoking on a peer failed')
          unreachable.push(peer)
        }
      }),
    )
    return { affected, unreachable: [...new Set(unreachable)].sort() }
  }

  /**
   * One page of every document stored in the cluster (see `doc-listing.ts`): this node's page
   * and each reachable node's, merged. Nodes that could not be asked are named in
   * `unreachableNodes`; the page then lacks what only they store. A cluster of one lists its
   * store.
   *
   * @throws {StoreClosedError} before the node started or after it stopped.
   */
  async listDocuments(query: { after?: string; limit: number }): Promise<ClusterDocPage> {
    const store = this.#store
    if (store === null || !store.isOpen) throw new StoreClosedError()
    if (!this.membership.clustered) return store.list(query)
    const unreachable = new Set(this.membership.unreachable())
    const ask = async (peer: string): Promise<NodeDocPage | null> => {
      if (this.membership.peerProtocol(peer) < HISTORY_REVISION) {
        unreachable.add(peer) // Runs a release that cannot list.
        return null
      }
      try {
        const answer = await this.membership.request(peer, { op: 'list', ...query })
        if (answer.op !== 'list') throw new Error(`peer answered list with ${answer.op}`)
        return answer
      } catch (error) {
        this.#deps.logger.warn({ err: error, peer }, 'listing documents on a peer failed')
        unreachable.add(peer)
        return null
      }
    }
    const pages = await Promise.all([
      this.#localPage(store, query),
      ...this.membership.linkedPeers().map(ask),
    ])
    const merged = mergeDocPages(
      pages.filter((p): p is NodeDocPage => p !== null),
      query.limit,
    )
    return { ...merged, unreachableNodes: [...unreachable].sort() }
  }

  /** The state `/cluster` and `/readyz` report. */
  status(): ClusterStatus {
    const m = this.membership
    const unreachablePeers = m.unreachable()
    return {
      node: this.self,
      member: this.#config.clusterNodes.length === 0 || this.#isMember(),
      inView: m.nodes.some((n) => n.id === this.self),
      settled: !m.clustered || (this.#handoff?.settled ?? false),
      ready: m.isReady,
      nodes: m.nodes.map((n) => ({
        id: n.id,
        url: n.url,
        self: n.id === this.self,
        reachable: m.isReachable(n.id),
      })),
      configured: this.#config.clusterNodes.map((n) => n.id),
      unreachablePeers,
      foreignDocuments: this.#handoff?.foreignCount ?? 0,
      handoffs: { given: this.#given, taken: this.#taken },
    }
  }

  #isMember(): boolean {
    return this.#config.clusterNodes.some((n) => n.id === this.self)
  }

  /** This node's part of a cluster-wide listing. */
  async #localPage(
    store: DocStore,
    query: { after?: string; limit: number },
  ): Promise<NodeDocPage> {
    const limit = Math.min(query.limit, MAX_LIST_LIMIT)
    const page = await store.list(query.after === undefined ? { limit } : { ...query, limit })
    return {
      docs: page.docs.map((doc) => ({ ...doc, owned: this.owns(doc.name) })),
      ...(page.next === undefined ? {} : { next: page.next }),
    }
  }

  /**
   * A link to `peer` opened: tell it every revocation this node holds, so a node that was away
   * (or is new) refuses the tokens revoked meanwhile. It does the same in return.
   */
  async #shareRevocations(peer: string): Promise<void> {
    if (this.membership.peerProtocol(peer) < REVOCATIONS_REVISION) return
    const revocations = this.#deps.revocations()
    if (revocations.length === 0) return
    try {
      const answer = await this.membership.request(peer, { op: 'revocations', revocations })
      if (answer.op === 'revocations' && answer.added > 0) {
        this.#deps.logger.info({ peer, added: answer.added }, 'peer caught up on revocations')
      }
    } catch (error) {
      this.#deps.logger.error({ err: error, peer }, 'sharing revocations with a peer failed')
    }
  }

  #answer(from: string, request: LinkRequest): Promise<LinkResponse> {
    if (request.op === 'list') {
      const store = this.#store
      if (store === null || !store.isOpen) return Promise.reject(new StoreClosedError())
      return this.#localPage(store, request).then((page) => ({ op: 'list', ...page }))
    }
    if (request.op === 'revoke') {
      return this.#deps
        .revokeLocal(request.target, request.mode)
        .then((affected) => ({ op: 'revoke', affected }))
    }
    if (request.op === 'revocations') {
      return this.#deps
        .absorbRevocations(request.revocations)
        .then((added) => ({ op: 'revocations', added }))
    }
    const handoff = this.#handoff
    if (handoff === null) return Promise.reject(new Error('node is starting'))
    return handoff.answer(from, request)
  }
}
