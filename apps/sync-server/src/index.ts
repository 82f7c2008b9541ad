/**
 * `@weft/sync-server`: a y-websocket compatible sync server with durable LevelDB storage.
 */

export { type ApiPath, docNameOfApiUrl, parseApiPath } from './api/api-path.js'
export { defaultConfig, OPTIONS, type OptionSpec, type ServerConfig } from './config/options.js'
export { type ConfigSources, parseConfig } from './config/parse-config.js'
export { ConfigError } from './config/parse-value.js'
export { createLogger } from './logger.js'
export { CloseCode } from './protocol/close-codes.js'
export { AuthMessageType, MessageType, SyncMessageType } from './protocol/message-type.js'
export type { PresenceValidator } from './room/presence-table.js'
export type { RoomClock } from './room/room-versions.js'
export { createSyncServer, type SyncServer, type SyncServerDeps } from './server.js'
export type {
  DocStore,
  NewVersion,
  StoredDoc,
  StoredDocInfo,
  StoredDocPage,
  VersionInfo,
  VersionKind,
} from './storage/doc-store.js'
export { type LevelDbStoreOptions, openLevelDbStore } from './storage/leveldb-store.js'
export { createMemoryStore } from './storage/memory-store.js'
