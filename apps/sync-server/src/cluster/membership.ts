/**
 * Who is in the cluster and how to reach them: this node's view of the membership
 * (`effective-view.ts`), the control links to every other node (dialled with back-off,
 * accepted from peers), reachability, and the owner of a document.
 */
import type { Logger } from 'pino'
import { WebSocket } from 'ws'
import type { ServerMetrics } from '../metrics.js'
import { effectiveMembers, sameMembers } from './effective-view.js'
import { LINK_PROTOCOL, type LinkRequest, type LinkResponse } from './link-codec.js'
import { NODE_AUTH_HEADER, type NodeAuth } from './node-auth.js'
import { NodeLink } from './node-link.js'
import type { ClusterNode } from './node-list.js'
import { createOwnerFinder } from './owner-of.js'

/** The upgrade path of control links. Routed by the node assertion, not by the path. */
export const LINK_PATH = '/.weft/link'

/** Membership settings. */
export interface MembershipOptions {
  /** This node's id. */
  readonly self: string
  /** The configured node list (`--cluster-nodes`); may not contain `self` (a leaving node). */
  readonly members: readonly ClusterNode[]
  /** Connect and request deadline. */
  readonly timeoutMs: number
  /** Ping links this often; one that missed the previous ping is dropped. */
  readonly heartbeatIntervalMs: number
  /** Largest link frame (a whole document state). */
  readonly maxFrameBytes: number
}

/** What membership changes are reported as. */
export type MembershipEvent =
  /** The effective node list changed: document owners may have changed. */
  | { readonly kind: 'view' }
  /** A link to `peer` opened (it may own documents this node holds). */
  | { readonly kind: 'up'; readonly peer: string }
  | { readonly kind: 'down'; readonly peer: string }
  /** `peer` introduced itself on a link: its protocol revision (`peerProtocol`) is known. */
  | { readonly kind: 'hello'; readonly peer: string }
  /** Every node of the view has been tried once: see `Membership.ready`. */
  | { readonly kind: 'ready' }

/** Services of the membership. */
export interface MembershipDeps {
  /** Null when no cluster secret is configured: no links at all. */
  readonly auth: NodeAuth | null
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Answer a peer's request. */
  onRequest(from: string, request: LinkRequest): Promise<LinkResponse>
  onChange(event: MembershipEvent): void
}

/** A peer cannot be asked: no link to it is open. */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError'
}

interface Dialer {
  link: NodeLink | null
  timer: NodeJS.Timeout | null
  socket: WebSocket | null
  delayMs: number
  attempted: boolean
}

const MIN_REDIAL_MS = 100
const MAX_REDIAL_MS = 5000

/** The membership of one node; see the module comment. */
export class Membership {
  readonly #options: MembershipOptions
  readonly #deps: MembershipDeps
  /** The latest member list each peer announced (kept while it is down). */
  readonly #known = new Map<string, readonly ClusterNode[]>()
  readonly #inbound = new Map<string, Set<NodeLink>>()
  readonly #dialers = new Map<string, Dialer>()
  #nodes: ClusterNode[]
  #ownerOf: (doc: string) => string
  #stopped = false
  #started = false
  #heartbeat: NodeJS.Timeout | null = null
  #ready: Promise<void>
  #markReady: () => void = () => undefined
  #isReady = false

  constructor(options: MembershipOptions, deps: MembershipDeps) {
    this.#options = options
    this.#deps = deps
    this.#nodes = this.#compute()
    this.#ownerOf = createOwnerFinder(this.#nodes.map((n) => n.id))
    this.#ready = new Promise((resolve) => {
      this.#markReady = resolve
    })
  }

  /** This node's id. */
  get self(): string {
    return this.#options.self
  }

  /** The configured node list. */
  get configured(): readonly ClusterNode[] {
    return this.#options.members
  }

  /** The node list this node routes by (configured and announced lists, merged). */
  get nodes(): readonly ClusterNode[] {
    return this.#nodes
  }

  /** Whether this node has peers at all (false for a cluster of one). */
  get clustered(): boolean {
    return this.#nodes.some((n) => n.id !== this.self)
  }

  /**
   * Resolves once every node in the view has been tried once (linked and its member list
   * received, or found unreachable), so the view is as complete as it can be: serve only then.
   */
  get ready(): Promise<void> {
    return this.#ready
  }

  /** Whether `ready` has resolved. */
  get isReady(): boolean {
    return this.#isReady
  }

  /** The id of the node owning `doc`. */
  ownerOf(doc: string): string {
    return this.#ownerOf(doc)
  }

  /** The node with `id` in the view, if any. */
  node(id: string): ClusterNode | undefined {
    return this.#nodes.find((n) => n.id === id)
  }

  /**
   * The revision of the link messages `peer` speaks, as its hello said (1 before it arrived);
   * 0 when no link to it is open.
   */
  peerProtocol(peer: string): number {
    return this.#linkTo(peer)?.peerProtocol ?? 0
  }

  /** Whether a link to `id` is open (always true for this node itself). */
  isReachable(id: string): boolean {
    return id === this.self || this.#linkTo(id) !== null
  }

  /** Other nodes a link is open to (in the view or not). */
  linkedPeers(): string[] {
    const peers = new Set<string>()
    for (const [id, dialer] of this.#dialers) if (dialer.link?.open) peers.add(id)
    for (const [id, links] of this.#inbound) if (links.size > 0) peers.add(id)
    return [...peers].sort()
  }

  /** Other nodes of the view no link is open to. */
  unreachable(): string[] {
    return this.#nodes.map((n) => n.id).filter((id) => !this.isReachable(id))
  }

  /**
   * Send `request` to `peer`.
   *
   * @throws {PeerUnreachableError} when no link to it is open.
   * @throws {LinkRequestError} when it did not answer.
   */
  request(peer: string, request: LinkRequest, timeoutMs?: number): Promise<LinkResponse> {
    const link = this.#linkTo(peer)
    if (link === null) return Promise.reject(new PeerUnreachableError(`${peer} is unreachable`))
    return link.request(request, timeoutMs)
  }

  /** Start dialling the other nodes of the view. */
  start(): void {
    this.#started = true
    this.#syncDialers()
    this.#checkReady()
    // A node that does not answer within the deadline counts as tried.
    setTimeout(() => this.#setReady(), this.#options.timeoutMs * 2).unref()
    this.#heartbeat = setInterval(() => {
      for (const link of this.#allLinks()) link.heartbeat()
    }, this.#options.heartbeatIntervalMs)
    this.#heartbeat.unref()
  }

  /** Take an authenticated inbound link from node `from`. */
  accept(ws: WebSocket, from: string): void {
    if (this.#stopped) {
      ws.close(1001, 'node shutting down')
      return
    }
    const links = this.#inbound.get(from) ?? new Set<NodeLink>()
    this.#inbound.set(from, links)
    links.add(this.#newLink(ws, from, 'in'))
    this.#deps.logger.info({ peer: from }, 'node link accepted')
    this.#linkUp(from)
  }

  /** Close every link and stop dialling. */
  stop(): void {
    this.#stopped = true
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat)
    for (const dialer of this.#dialers.values()) {
      if (dialer.timer !== null) clearTimeout(dialer.timer)
      dialer.socket?.terminate()
    }
    // Dropped, not closed with a handshake: requests in flight fail at once on both sides,
    // and a peer that does not answer cannot hold the shutdown up.
    for (const link of this.#allLinks()) link.terminate()
  }

  #compute(): ClusterNode[] {
    const own = this.#options.members.length > 0 ? this.#options.members : []
    const nodes = effectiveMembers(own, this.#known.values())
    // A cluster of one (no list) still has itself.
    return nodes.length > 0 ? nodes : [{ id: this.self, url: '' }]
  }

  #recompute(): void {
    const nodes = this.#compute()
    if (sameMembers(nodes, this.#nodes)) return
    const before = this.#nodes.map((n) => n.id)
    this.#nodes = nodes
    this.#ownerOf = createOwnerFinder(nodes.map((n) => n.id))
    this.#deps.logger.info(
      { before, after: nodes.map((n) => n.id) },
      'cluster view changed; documents whose owner changed will be handed over',
    )
    this.#syncDialers()
    this.#updateGauges()
    this.#deps.onChange({ kind: 'view' })
    this.#checkReady()
  }

  #syncDialers(): void {
    if (!this.#started || this.#stopped || this.#deps.auth === null) return
    const wanted = new Set(this.#nodes.filter((n) => n.id !== this.self).map((n) => n.id))
    for (const id of wanted) {
      if (!this.#dialers.has(id)) {
        const dialer: Dialer = {
          link: null,
          timer: null,
          socket: null,
          delayMs: MIN_REDIAL_MS,
          attempted: false,
        }
        this.#dialers.set(id, dialer)
        this.#dial(id, dialer)
      }
    }
    for (const [id, dialer] of this.#dialers) {
      if (wanted.has(id)) continue
      // No longer in the view: stop keeping a link to it (it may still dial us).
      this.#dialers.delete(id)
      if (dialer.timer !== null) clearTimeout(dialer.timer)
      dialer.socket?.terminate()
      dialer.link?.close(1000, 'not in the cluster view any more')
    }
  }

  #dial(id: string, dialer: Dialer): void {
    const auth = this.#deps.auth
    const node = this.node(id)
    if (auth === null || node === undefined || this.#stopped) return
    const url = `${node.url.replace(/^http/, 'ws')}${LINK_PATH}`
    const signed = auth.sign({ kind: 'link', from: this.self }, id)
    signed.catch((error: unknown) => {
      this.#deps.logger.error({ err: error, peer: id }, 'signing a node assertion failed')
      this.#attempted(dialer)
      this.#redial(id, dialer)
    })
    void signed.then((token) => {
      if (this.#stopped || this.#dialers.get(id) !== dialer) return
      const ws = new WebSocket(url, {
        headers: { [NODE_AUTH_HEADER]: token },
        handshakeTimeout: this.#options.timeoutMs,
        maxPayload: this.#options.maxFrameBytes,
        perMessageDeflate: false,
      })
      dialer.socket = ws
      let opened = false
      ws.once('open', () => {
        opened = true
        dialer.socket = null
        dialer.delayMs = MIN_REDIAL_MS
        if (this.#stopped || this.#dialers.get(id) !== dialer) {
          ws.close(1000)
          return
        }
        dialer.link = this.#newLink(ws, id, 'out')
        this.#deps.logger.info({ peer: id, url }, 'node link opened')
        // Counts as tried once its hello (and so its member list) has arrived.
        this.#linkUp(id)
      })
      ws.once('unexpected-response', (_req, res) => {
        this.#deps.logger.error(
          { peer: id, url, status: res.statusCode },
          res.statusCode === 401
            ? 'peer refused the node link: is --cluster-secret the same on every node?'
            : 'peer refused the node link',
        )
        res.resume()
        ws.terminate()
      })
      ws.on('error', (error) => {
        this.#deps.logger.debug({ err: error, peer: id, url }, 'dialling a peer failed')
      })
      ws.once('close', () => {
        dialer.socket = null
        if (!opened) {
          this.#attempted(dialer)
          this.#redial(id, dialer)
        }
      })
    })
  }

  #redial(id: string, dialer: Dialer): void {
    if (this.#stopped || this.#dialers.get(id) !== dialer) return
    dialer.timer = setTimeout(() => {
      dialer.timer = null
      this.#dial(id, dialer)
    }, dialer.delayMs)
    dialer.timer.unref()
    dialer.delayMs = Math.min(dialer.delayMs * 2, MAX_REDIAL_MS)
  }

  #attempted(dialer: Dialer): void {
    dialer.attempted = true
    this.#checkReady()
  }

  #checkReady(): void {
    if (this.#isReady || !this.#started) return
    if (this.#deps.auth === null) {
      this.#setReady()
      return
    }
    const pending = this.#nodes.some(
      (n) => n.id !== this.self && this.#dialers.get(n.id)?.attempted !== true,
    )
    if (!pending) this.#setReady()
  }

  #setReady(): void {
    if (this.#isReady) return
    this.#isReady = true
    this.#updateGauges()
    this.#markReady()
    this.#deps.onChange({ kind: 'ready' })
  }

  #newLink(ws: WebSocket, peer: string, direction: 'in' | 'out'): NodeLink {
    return new NodeLink(
      ws,
      peer,
      direction,
      { node: this.self, members: this.#options.members, protocol: LINK_PROTOCOL },
      {
        timeoutMs: this.#options.timeoutMs,
        maxBufferedBytes: this.#options.maxFrameBytes * 2,
        maxPending: 10_000,
        maxFrameBytes: this.#options.maxFrameBytes,
      },
      {
        logger: this.#deps.logger,
        onHello: (link, node, members) => {
          if (node !== link.peer) {
            this.#deps.logger.error(
              { peer: link.peer, claimed: node },
              'a node link announced another node id; closing it',
            )
            link.close(4403, 'node id does not match its credential')
            return
          }
          this.#known.set(node, members)
          this.#recompute()
          const dialer = this.#dialers.get(node)
          if (link.direction === 'out' && dialer !== undefined) this.#attempted(dialer)
          this.#deps.onChange({ kind: 'hello', peer: node })
        },
        onRequest: (link, request) => this.#deps.onRequest(link.peer, request),
        onClosed: (link) => this.#linkClosed(link),
      },
    )
  }

  #linkUp(peer: string): void {
    this.#updateGauges()
    this.#deps.onChange({ kind: 'up', peer })
  }

  #linkClosed(link: NodeLink): void {
    if (link.direction === 'in') {
      this.#inbound.get(link.peer)?.delete(link)
    } else {
      const dialer = this.#dialers.get(link.peer)
      if (dialer?.link === link) {
        dialer.link = null
        this.#redial(link.peer, dialer)
      }
    }
    if (this.#stopped) return
    this.#deps.logger.info({ peer: link.peer, direction: link.direction }, 'node link closed')
    this.#updateGauges()
    if (!this.isReachable(link.peer)) this.#deps.onChange({ kind: 'down', peer: link.peer })
  }

  #linkTo(id: string): NodeLink | null {
    const out = this.#dialers.get(id)?.link
    if (out?.open) return out
    for (const link of this.#inbound.get(id) ?? []) if (link.open) return link
    return null
  }

  *#allLinks(): IterableIterator<NodeLink> {
    for (const dialer of this.#dialers.values()) if (dialer.link !== null) yield dialer.link
    for (const links of this.#inbound.values()) yield* links
  }

  #updateGauges(): void {
    const peers = this.#nodes.filter((n) => n.id !== this.self)
    const reachable = peers.filter((n) => this.isReachable(n.id)).length
    this.#deps.metrics.clusterPeersReachable.set(reachable)
    this.#deps.metrics.clusterPeersUnreachable.set(peers.length - reachable)
  }
}
