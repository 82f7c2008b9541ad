/**
 * Prometheus metrics of one server, on a registry of its own (never prom-client's global
 * default registry, so several servers in one process do not collide). Labels have bounded
 * values only: never a document name or a user.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Access } from './auth/grant.js'

/**
 * The `type` label of received frames: the decoded message type, `invalid` for a frame that
 * did not decode, `refused` for one dropped unread (text frame, rate limit, pre-load queue full,
 * or still queued when its socket closed).
 */
export type FrameKind =
  | 'sync-step1'
  | 'sync-step2'
  | 'sync-update'
  | 'awareness'
  | 'query-awareness'
  | 'invalid'
  | 'refused'

/** The `type` label of sent frames; the room names each frame where it encodes it. */
export type SentFrameKind = 'sync-step1' | 'sync-step2' | 'sync-update' | 'awareness' | 'auth'

/** The metrics a server updates. */
export interface ServerMetrics {
  readonly registry: Registry
  /** Labelled `access` (`read`, `write`); read at each scrape from `openConnections`. */
  readonly connectionsOpen: Gauge<'access'>
  readonly roomsLoaded: Gauge
  readonly framesReceived: Counter<'type'>
  readonly bytesReceived: Counter<'type'>
  readonly framesSent: Counter<'type'>
  readonly bytesSent: Counter<'type'>
  /** Count one received frame of `byteLength` bytes (frames and bytes, by type). */
  readonly countReceived: (type: FrameKind, byteLength: number) => void
  /** Count one sent frame of `byteLength` bytes (frames and bytes, by type). */
  readonly countSent: (type: SentFrameKind, byteLength: number) => void
  readonly framesRejected: Counter<'reason'>
  readonly updatesApplied: Counter
  readonly updatesDenied: Counter
  readonly authFailures: Counter<'reason'>
  readonly rateLimited: Counter
  readonly connectionsRefused: Counter<'reason'>
  readonly awarenessDropped: Counter<'reason'>
  readonly persistBatches: Counter
  readonly persistBatchUpdates: Histogram
  readonly persistBatchBytes: Histogram
  readonly persistSeconds: Histogram
  readonly persistFailures: Counter
  readonly compactions: Counter
  readonly compactionFailures: Counter
  readonly roomLoads: Counter
  readonly roomLoadSeconds: Histogram
  readonly roomLoadFailures: Counter
  readonly roomUnloads: Counter
  readonly closes: Counter<'code'>
  readonly apiRequests: Counter<'route' | 'status'>
  readonly versionsSaved: Counter<'kind'>
  readonly versionFailures: Counter
  readonly forwardedSockets: Gauge
  readonly forwardsOpened: Counter
  readonly forwardFailures: Counter<'reason'>
  readonly forwardedRequests: Counter<'result'>
  readonly clusterPeersReachable: Gauge
  readonly clusterPeersUnreachable: Gauge
  readonly handoffs: Counter<'direction'>
  readonly handoffFailures: Counter<'reason'>
  readonly handoffVersions: Counter<'result'>
  readonly foreignDocuments: Gauge
}

/** What `createMetrics` needs. */
export interface MetricsOptions {
  /**
   * Add prom-client's process and runtime set (CPU, memory, GC, event-loop lag as
   * `weft_nodejs_eventloop_lag_*`).
   */
  readonly withProcessMetrics: boolean
  /** Open connections by access mode, read at each scrape (a downgrade moves a socket). */
  readonly openConnections?: () => Readonly<Record<Access, number>>
}

/** Create a server's metrics. */
export function createMetrics(options: MetricsOptions): ServerMetrics {
  const registry = new Registry()
  if (options.withProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'weft_' })
  const registers = [registry]
  const seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
  const openConnections = options.openConnections ?? (() => ({ read: 0, write: 0 }))
  const framesReceived = new Counter({
    name: 'weft_frames_received_total',
    help: 'WebSocket frames received from clients, by message type.',
    labelNames: ['type'] as const,
    registers,
  })
  const bytesReceived = new Counter({
    name: 'weft_received_bytes_total',
    help: 'Bytes of WebSocket frames received from clients, by message type.',
    labelNames: ['type'] as const,
    registers,
  })
  const framesSent = new Counter({
    name: 'weft_frames_sent_total',
    help: 'WebSocket frames sent to clients, by message type.',
    labelNames: ['type'] as const,
    registers,
  })
  const bytesSent = new Counter({
    name: 'weft_sent_bytes_total',
    help: 'Bytes of WebSocket frames sent to clients, by message type.',
    labelNames: ['type'] as const,
    registers,
  })
  // Label children bound once: the send path runs per peer per broadcast.
  const received = bind(framesReceived, bytesReceived)
  const sent = bind(framesSent, bytesSent)
  return {
    registry,
    connectionsOpen: new Gauge({
      name: 'weft_connections_open',
      help: 'WebSocket connections currently open, by access mode (read, write).',
      labelNames: ['access'] as const,
      registers,
      collect() {
        const open = openConnections()
        this.set({ access: 'read' }, open.read)
        this.set({ access: 'write' }, open.write)
      },
    }),
    roomsLoaded: new Gauge({
      name: 'weft_rooms_loaded',
      help: 'Documents currently loaded in memory.',
      registers,
    }),
    framesReceived,
    bytesReceived,
    framesSent,
    bytesSent,
    countReceived: (type, byteLength) => received(type, byteLength),
    countSent: (type, byteLength) => sent(type, byteLength),
    framesRejected: new Counter({
      name: 'weft_frames_rejected_total',
      help: 'Frames refused (the socket is closed), by reason code.',
      labelNames: ['reason'],
      registers,
    }),
    updatesApplied: new Counter({
      name: 'weft_updates_applied_total',
      help: 'Document updates from clients applied to a room.',
      registers,
    }),
    updatesDenied: new Counter({
      name: 'weft_updates_denied_total',
      help: 'Document updates from read-only connections, dropped.',
      registers,
    }),
    authFailures: new Counter({
      name: 'weft_auth_failures_total',
      help: 'Upgrades refused, by reason (unauthorized, forbidden, revoked, node: a node-to-node request without a valid cluster assertion).',
      labelNames: ['reason'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'weft_rate_limited_total',
      help: 'Sockets closed with 4429 for exceeding their message or byte rate.',
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'weft_connections_refused_total',
      help: 'Connections refused by a limit, by reason (max_connections, per_ip, max_rooms, handshake_timeout).',
      labelNames: ['reason'],
      registers,
    }),
    awarenessDropped: new Counter({
      name: 'weft_awareness_states_dropped_total',
      help: 'Awareness entries not relayed, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    persistBatches: new Counter({
      name: 'weft_persist_batches_total',
      help: 'Update batches written to storage.',
      registers,
    }),
    persistBatchUpdates: new Histogram({
      name: 'weft_persist_batch_updates',
      help: 'Updates per written batch of one room.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    persistBatchBytes: new Histogram({
      name: 'weft_persist_batch_bytes',
      help: 'Bytes of updates per written batch of one room.',
      buckets: [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304],
      registers,
    }),
    persistSeconds: new Histogram({
      name: 'weft_persist_duration_seconds',
      help: 'Time from handing a batch to storage until it is durable.',
      buckets: seconds,
      registers,
    }),
    persistFailures: new Counter({
      name: 'weft_persist_failures_total',
      help: 'Failed storage writes (each is retried).',
      registers,
    }),
    compactions: new Counter({
      name: 'weft_compactions_total',
      help: 'Documents compacted into a snapshot.',
      registers,
    }),
    compactionFailures: new Counter({
      name: 'weft_compaction_failures_total',
      help: 'Failed compactions (the updates stay stored; compaction is tried again later).',
      registers,
    }),
    roomLoads: new Counter({
      name: 'weft_room_loads_total',
      help: 'Documents loaded from storage into memory.',
      registers,
    }),
    roomLoadSeconds: new Histogram({
      name: 'weft_room_load_duration_seconds',
      help: 'Time to load a document from storage.',
      buckets: seconds,
      registers,
    }),
    roomLoadFailures: new Counter({
      name: 'weft_room_load_failures_total',
      help: 'Documents that failed to load (their clients are closed with 1011/1013).',
      registers,
    }),
    roomUnloads: new Counter({
      name: 'weft_room_unloads_total',
      help: 'Idle documents flushed and unloaded from memory.',
      registers,
    }),
    closes: new Counter({
      name: 'weft_closes_total',
      help: 'Connections closed, by WebSocket close code (1006: died without a close frame; other: a code a client chose).',
      labelNames: ['code'],
      registers,
    }),
    apiRequests: new Counter({
      name: 'weft_api_requests_total',
      help: 'REST document API requests, by route (docs, doc, update, versions, version, restore, invalid) and HTTP status.',
      labelNames: ['route', 'status'],
      registers,
    }),
    versionsSaved: new Counter({
      name: 'weft_versions_saved_total',
      help: 'Document versions saved, by kind (auto, manual).',
      labelNames: ['kind'],
      registers,
    }),
    versionFailures: new Counter({
      name: 'weft_version_failures_total',
      help: 'Automatic versions that could not be saved or pruned (tried again after the next change).',
      registers,
    }),
    forwardedSockets: new Gauge({
      name: 'weft_forwarded_sockets',
      help: 'Client sockets this node is forwarding to the node that owns their document.',
      registers,
    }),
    forwardsOpened: new Counter({
      name: 'weft_forwarded_sockets_total',
      help: 'Client sockets forwarded to the owner of their document since start.',
      registers,
    }),
    forwardFailures: new Counter({
      name: 'weft_forward_failures_total',
      help: 'Client sockets that could not be forwarded to their owner (the client gets 1013), by reason (unreachable, refused, timeout, closed).',
      labelNames: ['reason'],
      registers,
    }),
    forwardedRequests: new Counter({
      name: 'weft_forwarded_requests_total',
      help: 'HTTP requests about a document forwarded to its owner, by result (ok, unavailable).',
      labelNames: ['result'],
      registers,
    }),
    clusterPeersReachable: new Gauge({
      name: 'weft_cluster_peers_reachable',
      help: 'Other cluster nodes this node has a live node-to-node link with.',
      registers,
    }),
    clusterPeersUnreachable: new Gauge({
      name: 'weft_cluster_peers_unreachable',
      help: 'Other cluster nodes this node cannot reach; their documents are unavailable here (1013).',
      registers,
    }),
    handoffs: new Counter({
      name: 'weft_handoffs_total',
      help: 'Documents handed over between nodes, by direction (given: this node deleted its copy after the new owner stored it; taken: this node stored a copy it received).',
      labelNames: ['direction'],
      registers,
    }),
    handoffFailures: new Counter({
      name: 'weft_handoff_failures_total',
      help: 'Hand-off steps that failed and will be retried (the data stays where it was), by reason (refused, unreachable, error).',
      labelNames: ['reason'],
      registers,
    }),
    handoffVersions: new Counter({
      name: 'weft_handoff_versions_total',
      help: 'Versions of documents received in hand-offs, by result (stored; duplicate: already here, not stored again; failed: the holder could not send it, so it keeps its copy).',
      labelNames: ['result'],
      registers,
    }),
    foreignDocuments: new Gauge({
      name: 'weft_cluster_foreign_documents',
      help: 'Documents stored here that another node owns, still to be handed over (0 when settled).',
      registers,
    }),
  }
}

/** A counting function over a frame counter and a byte counter, with label children cached. */
function bind<T extends string>(
  frames: Counter<'type'>,
  bytes: Counter<'type'>,
): (type: T, byteLength: number) => void {
  const children = new Map<T, { frames: Counter.Internal; bytes: Counter.Internal }>()
  return (type, byteLength) => {
    let child = children.get(type)
    if (child === undefined) {
      child = { frames: frames.labels(type), bytes: bytes.labels(type) }
      children.set(type, child)
    }
    child.frames.inc()
    child.bytes.inc(byteLength)
  }
}
