/**
 * Limits on TCP connections before any WebSocket exists: connections per client address, and
 * a deadline for a client to send its request (slowloris).
 *
 * Cluster nodes forward many client sockets from one address: a socket that authenticated as
 * a node does not count against its address, and addresses that have authenticated as a node
 * are not limited from then on (a node must be able to forward a burst of reconnects).
 *
 * Trusted reverse proxies (`--trusted-proxies`) are not limited per address either: a
 * WebSocket upgrade arriving through one counts against the client address the proxy
 * forwards for (`admitClient`), for as long as its socket is open.
 */
import type { Socket } from 'node:net'
import type { ServerMetrics } from '../metrics.js'
import type { ProxyTrust } from './client-address.js'

/** Settings of the limits. */
export interface ConnectionLimitOptions {
  readonly maxConnectionsPerIp: number
  readonly handshakeTimeoutMs: number
}

/** Per-address counts and handshake deadlines of one server. */
export class ConnectionLimits {
  readonly #options: ConnectionLimitOptions
  readonly #metrics: ServerMetrics
  readonly #perIp = new Map<string, number>()
  readonly #deadlines = new WeakMap<Socket, { timer: NodeJS.Timeout; clear: () => void }>()
  /** Sockets that authenticated as a cluster node: not counted. */
  readonly #nodeSockets = new WeakSet<Socket>()
  /** Addresses of cluster nodes (bounded by the number of nodes). */
  readonly #nodeAddresses = new Set<string>()
  readonly #proxies: ProxyTrust | null
  /** Sockets of a trusted proxy already counted against the client they carry. */
  readonly #admitted = new WeakSet<Socket>()

  constructor(
    options: ConnectionLimitOptions,
    metrics: ServerMetrics,
    proxies: ProxyTrust | null = null,
  ) {
    this.#options = options
    this.#metrics = metrics
    this.#proxies = proxies
  }

  /** A TCP connection was accepted: count it, or drop it when its address is over the limit. */
  onConnection(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown'
    if (this.#proxies?.isTrusted(ip)) return
    const count = (this.#perIp.get(ip) ?? 0) + 1
    if (count > this.#options.maxConnectionsPerIp && !this.#nodeAddresses.has(ip)) {
      this.#metrics.connectionsRefused.inc({ reason: 'per_ip' })
      socket.destroy()
      return
    }
    this.#perIp.set(ip, count)
    socket.once('close', () => {
      if (!this.#nodeSockets.has(socket)) this.#uncount(ip)
    })
  }

  /**
   * Node's headersTimeout only starts with the first byte: a socket that never sends anything,
   * or sends headers forever, is cut off here. (With TLS, from the end of the TLS handshake,
   * which has its own `handshakeTimeout`.)
   */
  startHandshakeDeadline(socket: Socket): void {
    const deadline = setTimeout(() => {
      this.#metrics.connectionsRefused.inc({ reason: 'handshake_timeout' })
      socket.destroy()
    }, this.#options.handshakeTimeoutMs)
    deadline.unref()
    const clear = (): void => clearTimeout(deadline)
    this.#deadlines.set(socket, { timer: deadline, clear })
    socket.once('close', clear)
  }

  /** A complete request arrived on `socket`: it is no longer in its handshake. */
  handshakeDone(socket: Socket): void {
    const deadline = this.#deadlines.get(socket)
    if (deadline === undefined) return
    clearTimeout(deadline.timer)
    // The listener would keep the spent timer for the socket's lifetime.
    socket.off('close', deadline.clear)
    this.#deadlines.delete(socket)
  }

  /**
   * A client upgrade from `clientIp` arrived on `socket`. Through a trusted proxy, count it
   * against `clientIp` until the socket closes; false when that address is over the limit.
   * A direct connection was counted when it was accepted: always true.
   */
  admitClient(socket: Socket, clientIp: string): boolean {
    if (!this.#proxies?.isTrusted(socket.remoteAddress ?? '') || this.#admitted.has(socket)) {
      return true
    }
    const count = (this.#perIp.get(clientIp) ?? 0) + 1
    if (count > this.#options.maxConnectionsPerIp) {
      this.#metrics.connectionsRefused.inc({ reason: 'per_ip' })
      return false
    }
    this.#perIp.set(clientIp, count)
    this.#admitted.add(socket)
    socket.once('close', () => this.#uncount(clientIp))
    return true
  }

  /** `socket` authenticated as a cluster node (see the module comment). */
  trustNode(socket: Socket): void {
    if (this.#nodeSockets.has(socket)) return
    const ip = socket.remoteAddress ?? 'unknown'
    this.#nodeSockets.add(socket)
    this.#nodeAddresses.add(ip)
    this.#uncount(ip)
  }

  #uncount(ip: string): void {
    const left = (this.#perIp.get(ip) ?? 1) - 1
    if (left <= 0) this.#perIp.delete(ip)
    else this.#perIp.set(ip, left)
  }
}
