/**
 * The REST document API (`/api/docs…`, documented in `docs/API.md`): read, replace, update and
 * delete documents, list them, and save, list, read and restore their versions.
 *
 * Changes go through the document's room, exactly like a WebSocket client's: the room is
 * acquired from the registry (so clients editing it see the change at once), the update passes
 * the same checks (`DocGuard`), is stored before it is relayed, and the response is sent once
 * it is durable. Request bodies are read before the room is acquired, so a slow upload never
 * holds a room.
 *
 * Cluster: `parseApiPath` gives the document of a request from its path alone; `forward`
 * (when given) is asked first and may hand the request to the node that owns the document;
 * `list` (when given) lists the documents of every node instead of this node's store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseDocJson } from '@weft/schema'
import type { Logger } from 'pino'
import { readBody, readJsonBody } from '../http/read-body.js'
import { sendJson } from '../http/send-json.js'
import type { ServerMetrics } from '../metrics.js'
import { CloseCode } from '../protocol/close-codes.js'
import { type ChangeSource, type Room, RoomFailedError } from '../room/room.js'
import type { RoomRegistry } from '../room/room-registry.js'
import type { RoomClock } from '../room/room-versions.js'
import type { DocStore, StoredDocPage } from '../storage/doc-store.js'
import { byCreation } from '../storage/version-import.js'
import { type ApiAuthDeps, type ApiCaller, type ApiNeed, authorize } from './api-auth.js'
import { ApiError, sendApiError } from './api-error.js'
import { type ApiPath, type DocApiPath, parseApiPath } from './api-path.js'
import {
  bounded,
  formatOf,
  requireType,
  sendContent,
  toApiError,
  unavailable,
  versionInfoJson,
} from './api-responses.js'
import {
  checkUpdate,
  docToJson,
  replaceContentUpdate,
  versionJson,
  versionNode,
} from './doc-content.js'
import { parseLabel, parseListQuery, readOptionalJson } from './request-input.js'

/** Limits of the API, from the server config. */
export interface DocumentApiOptions {
  /** Largest request body (an update or ProseMirror JSON). */
  readonly maxBodyBytes: number
  /** Deepest node nesting accepted in ProseMirror JSON. */
  readonly maxNestingDepth: number
  /** Longest wait for a document to load, or for a change to be stored; then 503. */
  readonly waitMs: number
  /** Tombstone a deleted document for this long (0: no tombstone). */
  readonly tombstoneMs: number
}

/** What the API works with. Registry and store are read per request (they open at listen). */
export interface DocumentApiDeps {
  readonly registry: () => RoomRegistry | null
  readonly store: () => DocStore | null
  readonly auth: ApiAuthDeps
  readonly logger: Logger
  readonly metrics: ServerMetrics
  readonly clock: RoomClock
  readonly options: DocumentApiOptions
  /**
   * Cluster hook, asked before a document request is served here: hand it to the node that
   * owns `name` and resolve true, or resolve false to serve it on this node.
   */
  readonly forward?: (req: IncomingMessage, res: ServerResponse, name: string) => Promise<boolean>
  /**
   * Cluster hook: list the documents of every node instead of this node's store. With
   * `unreachableNodes`, the response says which nodes' documents it lacks.
   */
  readonly list?: (query: { after?: string; limit: number }) => Promise<DocListing>
}

/** A page of documents, with the nodes it lacks in a cluster. */
export type DocListing = StoredDocPage & { readonly unreachableNodes?: readonly string[] }

/** The API's HTTP route and the handler behind it. */
export interface DocumentApi {
  /** Handles every path under `/api/`; false for other paths. */
  route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>
  /** Serve a parsed request on this node (what `route` does when `forward` declines). */
  serve(req: IncomingMessage, res: ServerResponse, path: ApiPath): Promise<void>
}

/** Create the document API. */
export function createDocumentApi(deps: DocumentApiDeps): DocumentApi {
  const { options } = deps
  const source = (caller: ApiCaller): ChangeSource => ({ id: 'api', user: caller.user })
  const allow = (req: IncomingMessage, methods: readonly string[]): void => {
    if (!methods.includes(req.method ?? '')) {
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, {
        allow: methods.join(', '),
      })
    }
  }
  const need = (req: IncomingMessage, what: ApiNeed): Promise<ApiCaller> =>
    authorize(req, what, deps.auth)
  const storeOf = (): DocStore => {
    const store = deps.store()
    if (store === null || !store.isOpen) throw unavailable('storage is not open')
    return store
  }

  /** Hold the room of `name` while `task` runs; every wait bounded by `waitMs`. */
  async function withRoom<T>(name: string, task: (room: Room) => Promise<T>): Promise<T> {
    const registry = deps.registry()
    if (registry === null) throw unavailable('the server is not running')
    const hold = registry.acquire(name)
    try {
      const room = await bounded(hold.ready, options.waitMs, 'the document did not load in time')
      try {
        return await bounded(task(room), options.waitMs, 'the change was not stored in time')
      } catch (error) {
        if (error instanceof RoomFailedError) {
          registry.discard(room)
          room.closePeers(CloseCode.tryAgainLater, 'document is reloading; reconnect')
        }
        throw error
      }
    } finally {
      hold.release()
    }
  }

  /** Refuse reads of a document that is deleted or was never written. */
  const assertExists = (room: Room): void => {
    if (room.isDeleted) throw new ApiError(410, 'DOCUMENT_DELETED', 'the document was deleted')
    if (room.isEmpty) throw new ApiError(404, 'DOCUMENT_NOT_FOUND', 'no such document')
  }

  async function getDoc(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    await need(req, { doc: name, access: 'read' })
    const format = formatOf(req)
    const body = await withRoom(name, (room) =>
      room.read((doc, state) => {
        assertExists(room)
        return format === 'update' ? state() : docToJson(doc)
      }),
    )
    sendContent(res, format, body)
  }

  async function putDoc(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const caller = await need(req, { doc: name, access: 'write' })
    const json = await readJsonBody(req, options.maxBodyBytes)
    const parsed = parseDocJson(json, { maxDepth: options.maxNestingDepth })
    if (!parsed.ok) throw new ApiError(422, 'INVALID_DOCUMENT', parsed.reason)
    const changed = await withRoom(name, (room) =>
      room.change((state) => replaceContentUpdate(state, parsed.node), source(caller)),
    )
    sendJson(res, 200, { changed })
  }

  async function postUpdate(req: IncomingMessage, res: ServerResponse, name: string) {
    const caller = await need(req, { doc: name, access: 'write' })
    requireType(req, 'application/octet-stream')
    const update = await readBody(req, options.maxBodyBytes)
    const changed = await withRoom(name, (room) =>
      room.change((state) => {
        const check = checkUpdate(state, update)
        if (check.ok) return check.changes ? update : null
        if (check.reason === 'invalid') {
          throw new ApiError(
            422,
            'INVALID_UPDATE',
            'the body is not a Yjs update this document takes',
          )
        }
        throw new ApiError(
          409,
          'MISSING_DEPENDENCIES',
          'the update builds on changes the document does not have; send the missing ones with it',
        )
      }, source(caller)),
    )
    sendJson(res, 200, { changed })
  }

  async function deleteDoc(req: IncomingMessage, res: ServerResponse, name: string) {
    await need(req, 'admin')
    // Through the room: in a cluster, loading it gathers every node's copy first, so a
    // document still being handed over is found, and its copies are deleted with it.
    const exists = await withRoom(name, async (room) => !room.isEmpty)
    if (!exists) throw new ApiError(404, 'DOCUMENT_NOT_FOUND', 'no such document')
    const registry = deps.registry()
    if (registry === null) throw unavailable('the server is not running')
    const tombstoneAt = options.tombstoneMs > 0 ? deps.clock.now() : undefined
    await bounded(
      registry.deleteDocument(name, tombstoneAt),
      options.waitMs,
      'the deletion was not stored in time',
    )
    res.writeHead(204, { 'cache-control': 'no-store' }).end()
  }

  async function listDocs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await need(req, 'admin')
    const query = parseListQuery(req)
    const page: DocListing =
      deps.list === undefined ? await storeOf().list(query) : await deps.list(query)
    const unreachable = page.unreachableNodes
    sendJson(res, 200, {
      docs: page.docs.map((doc) => ({
        name: doc.name,
        size: doc.bytes,
        lastModified: doc.lastModified === null ? null : new Date(doc.lastModified).toISOString(),
      })),
      ...(page.next === undefined ? {} : { next: page.next }),
      ...(unreachable === undefined
        ? {}
        : { incomplete: unreachable.length > 0, unreachableNodes: unreachable }),
    })
  }

  async function listVersions(req: IncomingMessage, res: ServerResponse, name: string) {
    await need(req, { doc: name, access: 'read' })
    const versions = await storeOf().listVersions(name)
    // Newest first by creation time: after a cluster hand-off merged two histories, ids need
    // not follow it.
    sendJson(res, 200, { versions: versions.sort(byCreation).reverse().map(versionInfoJson) })
  }

  async function saveVersion(req: IncomingMessage, res: ServerResponse, name: string) {
    await need(req, { doc: name, access: 'write' })
    const label = parseLabel(await readOptionalJson(req, 64 * 1024))
    const info = await withRoom(name, async (room) => {
      await room.read(() => assertExists(room))
      return room.saveVersion(label)
    })
    sendJson(res, 201, versionInfoJson(info))
  }

  async function getVersion(req: IncomingMessage, res: ServerResponse, path: VersionPath) {
    await need(req, { doc: path.name, access: 'read' })
    const format = formatOf(req)
    const content = await loadVersion(path)
    sendContent(res, format, format === 'update' ? content : versionJson(content))
  }

  async function deleteVersion(req: IncomingMessage, res: ServerResponse, path: VersionPath) {
    await need(req, 'admin')
    const existed = await withRoom(path.name, (room) => room.deleteVersion(path.id))
    if (!existed) throw new ApiError(404, 'VERSION_NOT_FOUND', 'no such version')
    res.writeHead(204, { 'cache-control': 'no-store' }).end()
  }

  async function restore(req: IncomingMessage, res: ServerResponse, path: VersionPath) {
    const caller = await need(req, { doc: path.name, access: 'write' })
    const content = await loadVersion(path)
    const node = versionNode(content)
    const result = await withRoom(path.name, async (room) => {
      const differs = await room.read((_, state) => replaceContentUpdate(state(), node) !== null)
      if (!differs) return { restored: path.id, changed: false, backup: null }
      // What is replaced is kept as a version first, so the restore can be undone.
      const backup = await room.saveVersionIfChanged(`Before restoring version ${path.id}`)
      const changed = await room.change(
        (state) => replaceContentUpdate(state, node),
        source(caller),
      )
      return {
        restored: path.id,
        changed,
        backup: backup === null ? null : versionInfoJson(backup),
      }
    })
    sendJson(res, 200, result)
  }

  async function loadVersion(path: VersionPath): Promise<Uint8Array> {
    const content = await storeOf().loadVersion(path.name, path.id)
    if (content === null) throw new ApiError(404, 'VERSION_NOT_FOUND', 'no such version')
    return content
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, path: ApiPath) {
    switch (path.kind) {
      case 'invalid':
        throw new ApiError(
          path.status,
          path.status === 400 ? 'BAD_REQUEST' : 'NOT_FOUND',
          path.reason,
        )
      case 'docs':
        allow(req, ['GET'])
        return listDocs(req, res)
      case 'doc':
        allow(req, ['GET', 'PUT', 'DELETE'])
        if (req.method === 'GET') return getDoc(req, res, path.name)
        if (req.method === 'PUT') return putDoc(req, res, path.name)
        return deleteDoc(req, res, path.name)
      case 'update':
        allow(req, ['POST'])
        return postUpdate(req, res, path.name)
      case 'versions':
        allow(req, ['GET', 'POST'])
        if (req.method === 'GET') return listVersions(req, res, path.name)
        return saveVersion(req, res, path.name)
      case 'version':
        allow(req, ['GET', 'DELETE'])
        if (req.method === 'GET') return getVersion(req, res, path)
        return deleteVersion(req, res, path)
      case 'restore':
        allow(req, ['POST'])
        return restore(req, res, path)
      default: {
        const unreachable: never = path
        throw new Error(`unhandled API path ${JSON.stringify(unreachable)}`)
      }
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: ApiPath): Promise<void> {
    try {
      await dispatch(req, res, path)
    } catch (error) {
      const refusal = toApiError(error)
      if (refusal.status >= 500) {
        deps.logger[refusal.code === 'INTERNAL' ? 'error' : 'warn'](
          { err: error, route: path.kind, doc: 'name' in path ? path.name : undefined },
          `API request failed: ${refusal.message}`,
        )
      }
      if (res.headersSent) res.destroy()
      else sendApiError(res, refusal)
      // A refused body may still be arriving: do not keep reading it.
      if (!req.complete) req.resume()
    } finally {
      deps.metrics.apiRequests.inc({ route: path.kind, status: String(res.statusCode) })
    }
  }

  return {
    serve,
    async route(req, res) {
      const path = parseApiPath(req.url)
      if (path === null) return false
      if (deps.forward !== undefined && 'name' in path) {
        if (await deps.forward(req, res, (path as DocApiPath).name)) return true
      }
      await serve(req, res, path)
      return true
    },
  }
}

type VersionPath = Extract<ApiPath, { kind: 'version' } | { kind: 'restore' }>
