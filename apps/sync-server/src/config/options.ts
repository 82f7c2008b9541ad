/**
 * Every configuration option of the server: one typed schema that parses the command line
 * and the environment, prints `--help` and generates `docs/CONFIG.md`.
 */
import { type ClusterNode, isNodeId, nodeList } from '../cluster/node-list.js'
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../webhooks/webhook-event.js'
import {
  addressList,
  boolean,
  bytes,
  ConfigError,
  duration,
  integer,
  list,
  listOf,
  oneOf,
  optionalText,
  text,
  urlList,
  type ValueParser,
} from './parse-value.js'

/** One option: where it is read from, how it is parsed, its default and its meaning. */
export interface OptionSpec<T> {
  /** Command-line flag without the leading `--`. */
  readonly flag: string
  /** Environment variable. */
  readonly env: string
  readonly parser: ValueParser<T>
  readonly default: T
  /** A sentence or two for `--help` and `docs/CONFIG.md`. */
  readonly description: string
  /** Section heading in the docs. */
  readonly group:
    | 'Network'
    | 'Security'
    | 'Storage'
    | 'Limits'
    | 'Timing'
    | 'Cluster'
    | 'Logging'
    | 'Webhooks'
}

const option = <T>(spec: OptionSpec<T>): OptionSpec<T> => spec

const MiB = 1024 * 1024

/** The option schema. Keys are the property names of `ServerConfig`. */
export const OPTIONS = {
  host: option({
    flag: 'host',
    env: 'WEFT_HOST',
    parser: text,
    default: '127.0.0.1',
    group: 'Network',
    description:
      'Interface to listen on. The default only accepts connections from this machine; use 0.0.0.0 (or ::) to accept them from the network, as the Docker image does.',
  }),
  port: option({
    flag: 'port',
    env: 'WEFT_PORT',
    parser: integer(0, 65535),
    default: 1234,
    group: 'Network',
    description: 'TCP port for HTTP and WebSocket. 0 picks a free port.',
  }),
  staticDir: option({
    flag: 'static-dir',
    env: 'WEFT_STATIC_DIR',
    parser: optionalText,
    default: null as string | null,
    group: 'Network',
    description:
      'Directory of the web app served at `/` (`/d/<doc>` gets its index.html). Without it a plain page says that no editor is bundled.',
  }),
  authSecret: option({
    flag: 'auth-secret',
    env: 'WEFT_AUTH_SECRET',
    parser: optionalText,
    default: null as string | null,
    group: 'Security',
    description:
      'Turns authentication on: clients need an HS256 token signed with this secret (at least 32 bytes). See docs/AUTH.md.',
  }),
  authPublicKey: option({
    flag: 'auth-public-key',
    env: 'WEFT_AUTH_PUBLIC_KEY',
    parser: optionalText,
    default: null as string | null,
    group: 'Security',
    description:
      'Turns authentication on with ES256/RS256 tokens: a PEM public key or a JWKS file (path, or the PEM text itself).',
  }),
  adminKey: option({
    flag: 'admin-key',
    env: 'WEFT_ADMIN_KEY',
    parser: optionalText,
    default: null as string | null,
    group: 'Security',
    description:
      'Key for the admin endpoints, sent as `Authorization: Bearer <key>` (at least 16 characters). Without it admin endpoints answer 401.',
  }),
  allowedOrigins: option({
    flag: 'allowed-origins',
    env: 'WEFT_ALLOWED_ORIGINS',
    parser: list,
    default: [] as readonly string[],
    group: 'Security',
    description:
      'Browser origins allowed to open WebSockets, e.g. `https://app.example.com,https://*.example.com`; `*` allows any. Empty (the default): only pages served by this server (same host) and non-browser clients (no Origin header).',
  }),
  trustedProxies: option({
    flag: 'trusted-proxies',
    env: 'WEFT_TRUSTED_PROXIES',
    parser: addressList,
    default: [] as readonly string[],
    group: 'Security',
    description:
      'Reverse proxies (addresses or CIDR ranges, e.g. `10.0.0.0/8`) whose `X-Forwarded-For` is believed: a WebSocket arriving through one counts against, and is logged with, the address the proxy forwards for (the rightmost one that is not itself a trusted proxy), and the proxy itself is not limited per address. Empty (the default): the connecting address is the client.',
  }),
  tlsCert: option({
    flag: 'tls-cert',
    env: 'WEFT_TLS_CERT',
    parser: optionalText,
    default: null as string | null,
    group: 'Security',
    description: 'PEM certificate (chain) file: serve https and wss directly. Needs --tls-key.',
  }),
  tlsKey: option({
    flag: 'tls-key',
    env: 'WEFT_TLS_KEY',
    parser: optionalText,
    default: null as string | null,
    group: 'Security',
    description: 'PEM private key file for --tls-cert.',
  }),
  perMessageDeflate: option({
    flag: 'per-message-deflate',
    env: 'WEFT_PER_MESSAGE_DEFLATE',
    parser: boolean,
    default: false,
    group: 'Security',
    description:
      'Offer WebSocket compression (permessage-deflate). Saves bandwidth on large documents, costs memory per socket (see docs/OPERATIONS.md).',
  }),
  storage: option({
    flag: 'storage',
    env: 'WEFT_STORAGE',
    parser: oneOf(['leveldb', 'memory'] as const),
    default: 'leveldb' as 'leveldb' | 'memory',
    group: 'Storage',
    description:
      '`leveldb` stores documents in `--data-dir`; `memory` keeps them only while the process runs (tests, benchmarks).',
  }),
  dataDir: option({
    flag: 'data-dir',
    env: 'WEFT_DATA_DIR',
    parser: text,
    default: './data',
    group: 'Storage',
    description:
      'Directory of the LevelDB database; created when missing. One server per directory.',
  }),
  fsync: option({
    flag: 'fsync',
    env: 'WEFT_FSYNC',
    parser: boolean,
    default: false,
    group: 'Storage',
    description:
      'Flush every write batch to disk. Without it an update survives a crash of the process; with it, also a power loss, at the cost of one disk flush per batch.',
  }),
  compactAfterUpdates: option({
    flag: 'compact-after-updates',
    env: 'WEFT_COMPACT_AFTER_UPDATES',
    parser: integer(1, 1_000_000),
    default: 500,
    group: 'Storage',
    description:
      'Merge a document’s stored updates into one snapshot once this many were appended since the last.',
  }),
  compactAfterBytes: option({
    flag: 'compact-after-bytes',
    env: 'WEFT_COMPACT_AFTER_BYTES',
    parser: bytes(1024, 1024 * MiB),
    default: 1 * MiB,
    group: 'Storage',
    description:
      'Also compact once the appended updates pass this size, or the snapshot’s size if that is larger.',
  }),
  versionIntervalMs: option({
    flag: 'version-interval',
    env: 'WEFT_VERSION_INTERVAL',
    parser: duration(0, 7 * 86_400_000),
    default: 10 * 60_000,
    group: 'Storage',
    description:
      'Save an automatic version of a document this long after the first change that is not in a version yet, and when the document is unloaded before that. Never of an unchanged document. 0 turns automatic versions off.',
  }),
  versionKeep: option({
    flag: 'version-keep',
    env: 'WEFT_VERSION_KEEP',
    parser: integer(0, 100_000),
    default: 50,
    group: 'Storage',
    description:
      'Automatic versions kept per document; older ones are deleted. Labelled versions are not counted, and the newest version is always kept.',
  }),
  versionMaxAgeMs: option({
    flag: 'version-max-age',
    env: 'WEFT_VERSION_MAX_AGE',
    parser: duration(0, 36_500 * 86_400_000),
    default: 30 * 86_400_000,
    group: 'Storage',
    description:
      'Automatic versions older than this are deleted (the newest version of a document is always kept). 0 keeps them regardless of age.',
  }),
  maxLabelledVersions: option({
    flag: 'max-labelled-versions',
    env: 'WEFT_MAX_LABELLED_VERSIONS',
    parser: integer(0, 100_000),
    default: 100,
    group: 'Storage',
    description:
      'Versions saved on request (`POST /api/docs/<doc>/versions`) a document may have; they are never deleted automatically, so one more is refused (409) until one is deleted.',
  }),
  tombstoneTtlMs: option({
    flag: 'tombstone-ttl',
    env: 'WEFT_TOMBSTONE_TTL',
    parser: duration(0, 36_500 * 86_400_000),
    default: 30 * 86_400_000,
    group: 'Storage',
    description:
      'After a document is deleted, WebSocket clients of its name are refused (close 4410) for this long, so a stale tab or offline copy cannot silently bring it back; a write through the REST API re-creates it at once. 0: no tombstone.',
  }),
  maxFrameBytes: option({
    flag: 'max-frame-bytes',
    env: 'WEFT_MAX_FRAME_BYTES',
    parser: bytes(1024, 1024 * MiB),
    default: 8 * MiB,
    group: 'Limits',
    description: 'Largest WebSocket frame accepted; a bigger one closes the socket with 1009.',
  }),
  maxBufferedBytes: option({
    flag: 'max-buffered-bytes',
    env: 'WEFT_MAX_BUFFERED_BYTES',
    parser: bytes(1024, 4096 * MiB),
    default: 32 * MiB,
    group: 'Limits',
    description:
      'Unsent bytes a socket may hold before it is dropped as a slow consumer. At least `--max-frame-bytes` and `--max-doc-bytes`. In a cluster also the largest node-to-node frame (a whole document, or one of its versions, in a hand-off).',
  }),
  maxPendingBytes: option({
    flag: 'max-pending-bytes',
    env: 'WEFT_MAX_PENDING_BYTES',
    parser: bytes(1024, 4096 * MiB),
    default: 64 * MiB,
    group: 'Limits',
    description:
      'Bytes of updates per document waiting to be stored (storage slow or failing) before further updates are refused with 1013.',
  }),
  maxDocBytes: option({
    flag: 'max-doc-bytes',
    env: 'WEFT_MAX_DOC_BYTES',
    parser: bytes(1024, 4096 * MiB),
    default: 16 * MiB,
    group: 'Limits',
    description:
      'Largest document (its encoded Yjs state). An update that would grow a document beyond it is refused with 4413; the document is unchanged.',
  }),
  maxNestingDepth: option({
    flag: 'max-nesting-depth',
    env: 'WEFT_MAX_NESTING_DEPTH',
    parser: integer(4, 10_000),
    default: 100,
    group: 'Limits',
    description:
      'Deepest nesting of shared types (an XML element in an element counts one level). Deeper updates are refused with 4422.',
  }),
  maxPendingStructBytes: option({
    flag: 'max-pending-struct-bytes',
    env: 'WEFT_MAX_PENDING_STRUCT_BYTES',
    parser: bytes(1024, 1024 * MiB),
    default: 1 * MiB,
    group: 'Limits',
    description:
      'Bytes of updates per document held back because their dependencies are missing; an update that would pass it is refused with 4422.',
  }),
  maxPendingUpdatesPerSocket: option({
    flag: 'max-pending-updates-per-socket',
    env: 'WEFT_MAX_PENDING_UPDATES_PER_SOCKET',
    parser: integer(1, 1_000_000),
    default: 100,
    group: 'Limits',
    description: 'Updates with missing dependencies one socket may send; more closes it with 4422.',
  }),
  maxMessagesPerSecond: option({
    flag: 'max-messages-per-second',
    env: 'WEFT_MAX_MESSAGES_PER_SECOND',
    parser: integer(1, 1_000_000),
    default: 300,
    group: 'Limits',
    description:
      'Sustained frames per second per socket (token bucket); beyond it and its burst the socket is closed with 4429.',
  }),
  messageBurst: option({
    flag: 'message-burst',
    env: 'WEFT_MESSAGE_BURST',
    parser: integer(1, 10_000_000),
    default: 1500,
    group: 'Limits',
    description: 'Frames a socket may send at once above the sustained rate.',
  }),
  maxBytesPerSecond: option({
    flag: 'max-bytes-per-second',
    env: 'WEFT_MAX_BYTES_PER_SECOND',
    parser: bytes(1024, 1024 * MiB),
    default: 2 * MiB,
    group: 'Limits',
    description:
      'Sustained bytes per second per socket (token bucket); beyond it and its burst the socket is closed with 4429.',
  }),
  byteBurst: option({
    flag: 'byte-burst',
    env: 'WEFT_BYTE_BURST',
    parser: bytes(1024, 4096 * MiB),
    default: 24 * MiB,
    group: 'Limits',
    description:
      'Bytes a socket may send at once above the sustained rate (at least --max-frame-bytes, so one large paste or offline sync passes).',
  }),
  maxAwarenessPerSecond: option({
    flag: 'max-awareness-per-second',
    env: 'WEFT_MAX_AWARENESS_PER_SECOND',
    parser: integer(1, 100_000),
    default: 20,
    group: 'Limits',
    description:
      'Presence updates relayed per second per socket; faster ones are coalesced (the latest state is relayed when the budget allows), never dropped for good.',
  }),
  maxConnections: option({
    flag: 'max-connections',
    env: 'WEFT_MAX_CONNECTIONS',
    parser: integer(1, 10_000_000),
    default: 20_000,
    group: 'Limits',
    description:
      'Open WebSocket connections in all; beyond it upgrades are refused (503, or close 1013).',
  }),
  maxConnectionsPerIp: option({
    flag: 'max-connections-per-ip',
    env: 'WEFT_MAX_CONNECTIONS_PER_IP',
    parser: integer(1, 10_000_000),
    default: 200,
    group: 'Limits',
    description:
      'Open TCP connections per client address (HTTP and WebSocket); beyond it new ones are dropped at once. Behind a reverse proxy, list it in --trusted-proxies so WebSockets count against the address it forwards for.',
  }),
  maxRooms: option({
    flag: 'max-rooms',
    env: 'WEFT_MAX_ROOMS',
    parser: integer(1, 10_000_000),
    default: 10_000,
    group: 'Limits',
    description:
      'Documents loaded at once; a client opening another one is closed with 1013 (try again later) until idle ones are unloaded.',
  }),
  presenceIntervalMs: option({
    flag: 'presence-interval',
    env: 'WEFT_PRESENCE_INTERVAL',
    parser: duration(0, 10_000),
    default: 50,
    group: 'Limits',
    description:
      'Presence broadcasts per document are batched: updates within this interval of the last broadcast are merged (newest state per client) and sent together; the first after a quiet interval goes at once. 0 sends every update at once.',
  }),
  maxQueuedFrames: option({
    flag: 'max-queued-frames',
    env: 'WEFT_MAX_QUEUED_FRAMES',
    parser: integer(1, 100_000),
    default: 64,
    group: 'Limits',
    description:
      'Frames a client may send before its document has loaded (at most `--max-frame-bytes` in all); more closes it with 4429.',
  }),
  maxAwarenessStateBytes: option({
    flag: 'max-awareness-state-bytes',
    env: 'WEFT_MAX_AWARENESS_STATE_BYTES',
    parser: bytes(64, 16 * MiB),
    default: 16 * 1024,
    group: 'Limits',
    description: 'Largest presence (awareness) state relayed; bigger ones are dropped and counted.',
  }),
  handshakeTimeoutMs: option({
    flag: 'handshake-timeout',
    env: 'WEFT_HANDSHAKE_TIMEOUT',
    parser: duration(1000, 600_000),
    default: 10_000,
    group: 'Timing',
    description:
      'Time a client has to send its complete HTTP request or upgrade headers; slower ones (slowloris) are disconnected.',
  }),
  heartbeatIntervalMs: option({
    flag: 'heartbeat-interval',
    env: 'WEFT_HEARTBEAT_INTERVAL',
    parser: duration(100, 3_600_000),
    default: 30_000,
    group: 'Timing',
    description:
      'Ping every socket this often; one that has not answered the previous ping is terminated and its presence removed.',
  }),
  idleTimeoutMs: option({
    flag: 'idle-timeout',
    env: 'WEFT_IDLE_TIMEOUT',
    parser: duration(0, 86_400_000),
    default: 30_000,
    group: 'Timing',
    description: 'Unload a document (after storing it) once it has had no client for this long.',
  }),
  loadTimeoutMs: option({
    flag: 'load-timeout',
    env: 'WEFT_LOAD_TIMEOUT',
    parser: duration(100, 600_000),
    default: 15_000,
    group: 'Timing',
    description: 'Close a client with 1013 if its document has not loaded within this time.',
  }),
  shutdownTimeoutMs: option({
    flag: 'shutdown-timeout',
    env: 'WEFT_SHUTDOWN_TIMEOUT',
    parser: duration(100, 600_000),
    default: 10_000,
    group: 'Timing',
    description:
      'On SIGTERM/SIGINT, the time allowed to store every document and close; past it the process exits with 1.',
  }),
  nodeId: option({
    flag: 'node-id',
    env: 'WEFT_NODE_ID',
    parser: optionalText,
    default: null as string | null,
    group: 'Cluster',
    description:
      'This node’s id in `--cluster-nodes` (e.g. the StatefulSet pod name `weft-0`). A node whose id is not in the list owns no document: it hands every stored document over to its owner and forwards every client (how a node leaves the cluster; see docs/ARCHITECTURE.md).',
  }),
  clusterNodes: option({
    flag: 'cluster-nodes',
    env: 'WEFT_CLUSTER_NODES',
    parser: nodeList,
    default: [] as readonly ClusterNode[],
    group: 'Cluster',
    description:
      'Every node of the cluster as `id=url` (`weft-0=http://weft-0.weft:1234,…`), the same list on every node. Each document is owned by one node (rendezvous hash of its name); other nodes forward its clients there. Empty: this server is a cluster of one.',
  }),
  clusterSecret: option({
    flag: 'cluster-secret',
    env: 'WEFT_CLUSTER_SECRET',
    parser: optionalText,
    default: null as string | null,
    group: 'Cluster',
    description:
      'Shared secret (at least 32 characters, not the auth secret) authenticating node-to-node links and forwarded sockets. Required with more than one node. Node traffic is not encrypted unless the node URLs are https.',
  }),
  clusterTimeoutMs: option({
    flag: 'cluster-timeout',
    env: 'WEFT_CLUSTER_TIMEOUT',
    parser: duration(100, 600_000),
    default: 5000,
    group: 'Cluster',
    description:
      'Deadline of one node-to-node step: connecting to a peer, opening a forwarded socket, one request of a hand-off.',
  }),
  logLevel: option({
    flag: 'log-level',
    env: 'WEFT_LOG_LEVEL',
    parser: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    default: 'info' as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent',
    group: 'Logging',
    description:
      'Least severe level logged. `info` logs one line per connection opened and closed; `debug` adds room unloads and socket errors.',
  }),
  logFormat: option({
    flag: 'log-format',
    env: 'WEFT_LOG_FORMAT',
    parser: oneOf(['auto', 'json', 'pretty'] as const),
    default: 'auto' as 'auto' | 'json' | 'pretty',
    group: 'Logging',
    description:
      'Log lines on standard output: `json` (one object per line, for log collectors), `pretty` (readable text), or `auto`: pretty when standard output is a terminal, JSON otherwise.',
  }),
  webhookUrls: option({
    flag: 'webhook-url',
    env: 'WEFT_WEBHOOK_URL',
    parser: urlList,
    default: [] as readonly string[],
    group: 'Webhooks',
    description:
      'Receivers of webhook events (POST, signed JSON); repeat the flag or separate with commas. Needs --webhook-secret. See docs/WEBHOOKS.md.',
  }),
  webhookSecret: option({
    flag: 'webhook-secret',
    env: 'WEFT_WEBHOOK_SECRET',
    parser: optionalText,
    default: null as string | null,
    group: 'Webhooks',
    description:
      'Key of the `Weft-Signature` HMAC-SHA256 header of every webhook request (at least 16 characters).',
  }),
  webhookEvents: option({
    flag: 'webhook-events',
    env: 'WEFT_WEBHOOK_EVENTS',
    parser: listOf(WEBHOOK_EVENT_TYPES),
    default: WEBHOOK_EVENT_TYPES as readonly WebhookEventType[],
    group: 'Webhooks',
    description: 'Which events are sent, e.g. `document.changed,room.closed`.',
  }),
  webhookDebounceMs: option({
    flag: 'webhook-debounce',
    env: 'WEFT_WEBHOOK_DEBOUNCE',
    parser: duration(0, 3_600_000),
    default: 2000,
    group: 'Webhooks',
    description: '`document.changed` is sent once a document has had no new change for this long…',
  }),
  webhookMaxWaitMs: option({
    flag: 'webhook-max-wait',
    env: 'WEFT_WEBHOOK_MAX_WAIT',
    parser: duration(0, 86_400_000),
    default: 30_000,
    group: 'Webhooks',
    description:
      'Longest time from the first change a `document.changed` event reports to the event, while editing goes on.',
  }),
  webhookQueueMax: option({
    flag: 'webhook-queue-max',
    env: 'WEFT_WEBHOOK_QUEUE_MAX',
    parser: integer(1, 10_000_000),
    default: 100_000,
    group: 'Webhooks',
    description:
      'Events kept per receiver while it cannot be reached (on disk with LevelDB storage). When full, the oldest is dropped and counted in `weft_webhook_events_dropped_total`.',
  }),
  webhookTimeoutMs: option({
    flag: 'webhook-timeout',
    env: 'WEFT_WEBHOOK_TIMEOUT',
    parser: duration(100, 300_000),
    default: 10_000,
    group: 'Webhooks',
    description: 'Time a receiver has to answer one request; then the attempt counts as failed.',
  }),
  webhookRetryMinMs: option({
    flag: 'webhook-retry-min',
    env: 'WEFT_WEBHOOK_RETRY_MIN',
    parser: duration(10, 3_600_000),
    default: 1000,
    group: 'Webhooks',
    description:
      'Wait after a failed delivery; it doubles with each further failure (with jitter), up to --webhook-retry-max.',
  }),
  webhookRetryMaxMs: option({
    flag: 'webhook-retry-max',
    env: 'WEFT_WEBHOOK_RETRY_MAX',
    parser: duration(10, 86_400_000),
    default: 60_000,
    group: 'Webhooks',
    description:
      'Longest wait between delivery attempts: a receiver that comes back gets its events within about this long.',
  }),
} as const

type Options = typeof OPTIONS

/** The server configuration, parsed and validated once at start-up. */
export type ServerConfig = {
  readonly [K in keyof Options]: Options[K] extends OptionSpec<infer T> ? T : never
}

/** The defaults of every option. */
export function defaultConfig(): ServerConfig {
  const config: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(OPTIONS)) config[key] = spec.default
  return config as ServerConfig
}

/**
 * Check rules that involve more than one option.
 *
 * @throws {ConfigError}
 */
export function validateConfig(config: ServerConfig): ServerConfig {
  if (config.maxBufferedBytes < Math.max(config.maxFrameBytes, config.maxDocBytes)) {
    // A new client is sent the whole document in one frame before anything else.
    throw new ConfigError(
      '--max-buffered-bytes must be at least --max-frame-bytes and --max-doc-bytes',
    )
  }
  if (config.byteBurst < config.maxFrameBytes) {
    throw new ConfigError('--byte-burst must be at least --max-frame-bytes')
  }
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError('--tls-cert and --tls-key must be set together')
  }
  if (config.adminKey !== null && config.adminKey.length < 16) {
    throw new ConfigError('--admin-key must be at least 16 characters')
  }
  if (config.authSecret !== null && config.authPublicKey !== null) {
    throw new ConfigError('set either --auth-secret or --auth-public-key, not both')
  }
  if (config.webhookUrls.length > 0 && config.webhookSecret === null) {
    throw new ConfigError('--webhook-url needs --webhook-secret (receivers verify the signature)')
  }
  if (config.webhookSecret !== null && config.webhookSecret.length < 16) {
    throw new ConfigError('--webhook-secret must be at least 16 characters')
  }
  if (config.webhookMaxWaitMs < config.webhookDebounceMs) {
    throw new ConfigError('--webhook-max-wait must be at least --webhook-debounce')
  }
  if (config.webhookRetryMaxMs < config.webhookRetryMinMs) {
    throw new ConfigError('--webhook-retry-max must be at least --webhook-retry-min')
  }
  validateCluster(config)
  return config
}

function validateCluster(config: ServerConfig): void {
  const { nodeId, clusterNodes, clusterSecret } = config
  if (nodeId !== null && !isNodeId(nodeId)) {
    throw new ConfigError(
      '--node-id must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    )
  }
  if (clusterSecret !== null && clusterSecret.length < 32) {
    throw new ConfigError('--cluster-secret must be at least 32 characters')
  }
  if (clusterSecret !== null && clusterSecret === config.authSecret) {
    // Otherwise a client token could pass for a node assertion, or the other way round.
    throw new ConfigError('--cluster-secret must differ from --auth-secret')
  }
  if (clusterNodes.length === 0) return
  if (nodeId === null) throw new ConfigError('--cluster-nodes needs --node-id')
  const member = clusterNodes.some((n) => n.id === nodeId)
  if ((clusterNodes.length > 1 || !member) && clusterSecret === null) {
    throw new ConfigError('--cluster-nodes with more than one node needs --cluster-secret')
  }
}
