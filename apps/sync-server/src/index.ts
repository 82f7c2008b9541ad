/**
 * `@weft/sync-server`: a y-websocket compatible sync server with durable LevelDB storage.
 */

export { type ApiPath, docNameOfApiUrl, parseApiPath } from './api/api-path.js'
export { createToken, type TokenOptions } from './auth/create-token.js'
export type { Access } from './auth/grant.js'
export type { Cluster, ClusterEvents, ClusterStatus, SocketRoute } from './cluster/cluster.js'
export { forwardHttpRequest, type HttpForwardDeps } from './cluster/http-forwarder.js'
export { type ClusterNode, formatNodeList, parseNodeList } from './cluster/node-list.js'
export { createOwnerFinder, murmur3, ownerOf, rendezvousWeight } from './cluster/owner-of.js'
export { defaultConfig, OPTIONS, type OptionSpec, type ServerConfig } from './config/options.js'
export { type ConfigSources, parseConfig } from './config/parse-config.js'
export { ConfigError } from './config/parse-value.js'
export type { HttpRoute } from './http/http-handler.js'
export { createLogger, type LogFormat, resolveLogFormat } from './logger.js'
export { CloseCode } from './protocol/close-codes.js'
export { AuthMessageType, MessageType, SyncMessageType } from './protocol/message-type.js'
export type { PresenceValidator } from './room/presence-table.js'
export type { RoomClock } from './room/room-versions.js'
export {
  createSyncServer,
  type DocumentRoute,
  type SyncServer,
  type SyncServerDeps,
} from './server.js'
export type {
  AppendOptions,
  DocStore,
  NewVersion,
  StoredDoc,
  StoredDocInfo,
  StoredDocPage,
  TombstoneInfo,
  TombstonePage,
  VersionInfo,
  VersionKind,
} from './storage/doc-store.js'
export {
  type LevelDbDocStore,
  type LevelDbStoreOptions,
  type LevelSection,
  openLevelDbStore,
} from './storage/leveldb-store.js'
export { createMemoryStore } from './storage/memory-store.js'
export type { PeerInfo } from './transport/client-sockets.js'
export { signWebhook, verifyWebhookSignature, WebhookHeader } from './webhooks/signature.js'
export {
  WEBHOOK_EVENT_TYPES,
  type WebhookEvent,
  type WebhookEventType,
} from './webhooks/webhook-event.js'
