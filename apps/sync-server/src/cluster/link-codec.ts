/**
 * The node-to-node control link's messages: bytes in, a discriminated union out. Pure.
 *
 * Every message is one binary WebSocket frame:
 *
 * ```
 * frame   = varString(header-json) varBytes(payload)
 * ```
 *
 * The header is a JSON object (`type`, and per type the fields below); the payload carries the
 * one binary value a message may have (a document's Yjs state, a version's content) and is
 * empty otherwise. Requests carry an `id` the answer repeats. Malformed frames raise
 * `LinkProtocolError`.
 *
 * Each side's `hello` says which revision of these messages it speaks (`protocol`, 1 when
 * absent): a node sends a request another node may not know (`list`) only to peers that
 * announced a revision that has it, so nodes of different releases can link during a rolling
 * upgrade. Fields added to existing messages are optional on decoding for the same reason.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Revocation, RevocationMode, RevocationTarget } from '../auth/revocations.js'
import type { VersionKind } from '../storage/doc-store.js'
import type { ClusterNode } from './node-list.js'

/**
 * The revision of the link messages this code speaks. 2 added versions and tombstones to
 * `take`, the `version` request and the `list` request; 3 the `revocations` request.
 */
export const LINK_PROTOCOL = 3

/** The first revision whose `take` carries versions and tombstones, and that answers `list`. */
export const HISTORY_REVISION = 2

/** The first revision that answers `revocations`. */
export const REVOCATIONS_REVISION = 3

/** A document in a node's page of a cluster-wide listing. */
export interface ListedDoc {
  readonly name: string
  /** Stored bytes (snapshot and updates). */
  readonly bytes: number
  /** When its content last changed (ms since the epoch); null when unknown. */
  readonly lastModified: number | null
  /** Whether the listing node owns it, by that node's view. */
  readonly owned: boolean
}

/** A request one node makes of another. */
export type LinkRequest =
  /** "Hand `doc` over to me": I own it. */
  | { readonly op: 'take'; readonly doc: string }
  /** "I have stored the state you gave me for `doc` (`token`): delete your copy." */
  | { readonly op: 'commit'; readonly doc: string; readonly token: number }
  /** "I hold `doc`, which you own: take it." */
  | { readonly op: 'offer'; readonly doc: string }
  /** "Send me version `id` of the copy of `doc` you gave me with `token`." */
  | { readonly op: 'version'; readonly doc: string; readonly token: number; readonly id: number }
  /** "Send me up to `limit` of the documents you store, in name order, after `after`." */
  | { readonly op: 'list'; readonly after?: string; readonly limit: number }
  /** "Revoke this on your node too." */
  | { readonly op: 'revoke'; readonly target: RevocationTarget; readonly mode: RevocationMode }
  /** "These are the revocations I hold": sent when a link opens, so a node that was away catches up. */
  | { readonly op: 'revocations'; readonly revocations: readonly Revocation[] }

/** The answer to a request, by its `op`. */
export type LinkResponse =
  | { readonly op: 'take'; readonly result: 'none' }
  /** The asked node thinks `owner` owns the document (views differ for now). */
  | { readonly op: 'take'; readonly result: 'refused'; readonly owner: string }
  | {
      readonly op: 'take'
      readonly result: 'state'
      /** Names this hand-off in the `commit`. */
      readonly token: number
      /** The holder's whole stored state of the document (one merged Yjs update). */
      readonly update: Uint8Array
      /** Yjs client id → user bindings of the document. */
      readonly owners: readonly (readonly [number, string])[]
      /** Ids of the holder's versions of the document, oldest first; fetch each with `version`. */
      readonly versions: readonly number[]
      /** The holder's live tombstone of the document (ms since the epoch), or null. */
      readonly deletedAt: number | null
      /** When the holder's content last changed (ms since the epoch), or null. */
      readonly lastModified: number | null
    }
  | { readonly op: 'commit'; readonly deleted: boolean }
  | { readonly op: 'offer'; readonly result: 'absorbed' | 'not-owner' }
  | {
      readonly op: 'version'
      readonly result: 'content'
      readonly createdAt: number
      readonly label: string | null
      readonly kind: VersionKind
      /** The version's content (the full Yjs state), sent as the payload. */
      readonly content: Uint8Array
    }
  /** `gone`: there is no such version (any more). `stale`: the copy was not the latest. */
  | { readonly op: 'version'; readonly result: 'gone' | 'stale' }
  | { readonly op: 'list'; readonly docs: readonly ListedDoc[]; readonly next?: string }
  | { readonly op: 'revoke'; readonly affected: number }
  /** How many of them were new to the node. */
  | { readonly op: 'revocations'; readonly added: number }

/** One message on a link. */
export type LinkMessage =
  /**
   * First message each side sends: who it is, the node list it was configured with, and the
   * revision of these messages it speaks (`LINK_PROTOCOL`).
   */
  | {
      readonly type: 'hello'
      readonly node: string
      readonly members: readonly ClusterNode[]
      readonly protocol: number
    }
  | { readonly type: 'request'; readonly id: number; readonly request: LinkRequest }
  | { readonly type: 'response'; readonly id: number; readonly response: LinkResponse }
  /** The request failed on the other side; `message` says why. */
  | { readonly type: 'error'; readonly id: number; readonly message: string }

/** A link frame that does not decode. */
export class LinkProtocolError extends Error {
  override readonly name = 'LinkProtocolError'
}

const EMPTY: Uint8Array = new Uint8Array(0)

/** Encode a message into one frame. */
export function encodeLinkMessage(message: LinkMessage): Uint8Array {
  let payload = EMPTY
  let header: unknown = message
  if (message.type === 'response') {
    const response = message.response
    if (response.op === 'take' && response.result === 'state') {
      payload = response.update
      const { update: _update, ...rest } = response
      header = { ...message, response: rest }
    } else if (response.op === 'version' && response.result === 'content') {
      payload = response.content
      const { content: _content, ...rest } = response
      header = { ...message, response: rest }
    }
  }
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, JSON.stringify(header))
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/**
 * Decode one frame.
 *
 * @throws {LinkProtocolError} for anything that is not exactly one well-formed message.
 */
export function decodeLinkMessage(frame: Uint8Array): LinkMessage {
  let header: unknown
  let payload: Uint8Array
  try {
    const decoder = decoding.createDecoder(frame)
    const text = decoding.readVarString(decoder)
    payload = decoding.readVarUint8Array(decoder)
    if (decoding.hasContent(decoder)) throw new LinkProtocolError('trailing bytes')
    header = JSON.parse(text)
  } catch (error) {
    if (error instanceof LinkProtocolError) throw error
    throw new LinkProtocolError('link frame does not decode', { cause: error })
  }
  const h = object(header, 'message')
  switch (h.type) {
    case 'hello':
      return {
        type: 'hello',
        node: str(h.node, 'node'),
        members: members(h.members),
        protocol: h.protocol === undefined ? 1 : id(h.protocol),
      }
    case 'request':
      return { type: 'request', id: id(h.id), request: request(object(h.request, 'request')) }
    case 'response':
      return {
        type: 'response',
        id: id(h.id),
        response: response(object(h.response, 'response'), payload),
      }
    case 'error':
      return { type: 'error', id: id(h.id), message: str(h.message, 'message') }
    default:
      throw new LinkProtocolError(`unknown message type ${JSON.stringify(h.type)}`)
  }
}

function request(r: Record<string, unknown>): LinkRequest {
  switch (r.op) {
    case 'take':
    case 'offer':
      return { op: r.op, doc: str(r.doc, 'doc') }
    case 'commit':
      return { op: 'commit', doc: str(r.doc, 'doc'), token: id(r.token) }
    case 'version':
      return { op: 'version', doc: str(r.doc, 'doc'), token: id(r.token), id: id(r.id) }
    case 'list': {
      const limit = id(r.limit)
      if (limit === 0) throw new LinkProtocolError('limit must be positive')
      return r.after === undefined
        ? { op: 'list', limit }
        : { op: 'list', after: str(r.after, 'after'), limit }
    }
    case 'revoke':
      return { op: 'revoke', target: revocationTarget(r.target), mode: revocationMode(r.mode) }
    case 'revocations': {
      if (!Array.isArray(r.revocations)) throw new LinkProtocolError('revocations must be a list')
      const revocations = r.revocations.map((entry: unknown): Revocation => {
        const e = object(entry, 'revocation')
        return { target: revocationTarget(e.target), mode: revocationMode(e.mode), at: id(e.at) }
      })
      return { op: 'revocations', revocations }
    }
    default:
      throw new LinkProtocolError(`unknown request ${JSON.stringify(r.op)}`)
  }
}

function response(r: Record<string, unknown>, payload: Uint8Array): LinkResponse {
  switch (r.op) {
    case 'take':
      if (r.result === 'none') return { op: 'take', result: 'none' }
      if (r.result === 'refused')
        return { op: 'take', result: 'refused', owner: str(r.owner, 'owner') }
      if (r.result === 'state') {
        if (!Array.isArray(r.owners)) throw new LinkProtocolError('owners must be a list')
        const owners = r.owners.map((entry): [number, string] => {
          if (!Array.isArray(entry) || entry.length !== 2) throw new LinkProtocolError('bad owner')
          return [id(entry[0]), str(entry[1], 'owner user')]
        })
        // Absent from revision 1: no versions, no tombstone, time unknown.
        if (r.versions !== undefined && !Array.isArray(r.versions)) {
          throw new LinkProtocolError('versions must be a list')
        }
        return {
          op: 'take',
          result: 'state',
          token: id(r.token),
          update: payload,
          owners,
          versions: ((r.versions as unknown[] | undefined) ?? []).map(id),
          deletedAt: optionalTime(r.deletedAt),
          lastModified: optionalTime(r.lastModified),
        }
      }
      throw new LinkProtocolError('bad take result')
    case 'commit':
      if (typeof r.deleted !== 'boolean') throw new LinkProtocolError('deleted must be boolean')
      return { op: 'commit', deleted: r.deleted }
    case 'offer':
      if (r.result !== 'absorbed' && r.result !== 'not-owner') {
        throw new LinkProtocolError('bad offer result')
      }
      return { op: 'offer', result: r.result }
    case 'version':
      if (r.result === 'gone' || r.result === 'stale') return { op: 'version', result: r.result }
      if (r.result === 'content') {
        if (r.kind !== 'auto' && r.kind !== 'manual') throw new LinkProtocolError('bad kind')
        return {
          op: 'version',
          result: 'content',
          createdAt: id(r.createdAt),
          label: r.label === null ? null : str(r.label, 'label'),
          kind: r.kind,
          content: payload,
        }
      }
      throw new LinkProtocolError('bad version result')
    case 'list': {
      if (!Array.isArray(r.docs)) throw new LinkProtocolError('docs must be a list')
      const docs = r.docs.map((entry): ListedDoc => {
        const d = object(entry, 'listed document')
        if (typeof d.owned !== 'boolean') throw new LinkProtocolError('owned must be boolean')
        return {
          name: str(d.name, 'name'),
          bytes: id(d.bytes),
          lastModified: optionalTime(d.lastModified),
          owned: d.owned,
        }
      })
      return r.next === undefined
        ? { op: 'list', docs }
        : { op: 'list', docs, next: str(r.next, 'next') }
    }
    case 'revoke':
      return { op: 'revoke', affected: id(r.affected) }
    case 'revocations':
      return { op: 'revocations', added: id(r.added) }
    default:
      throw new LinkProtocolError(`unknown response ${JSON.stringify(r.op)}`)
  }
}

function revocationTarget(value: unknown): RevocationTarget {
  const t = object(value, 'target')
  const target: { user?: string; doc?: string } = {}
  if (t.user !== undefined) target.user = str(t.user, 'target.user')
  if (t.doc !== undefined) target.doc = str(t.doc, 'target.doc')
  if (target.user === undefined && target.doc === undefined) {
    throw new LinkProtocolError('a target names a user, a document or both')
  }
  return target
}

function revocationMode(value: unknown): RevocationMode {
  if (value !== 'close' && value !== 'read-only') throw new LinkProtocolError('bad mode')
  return value
}

function members(value: unknown): ClusterNode[] {
  if (!Array.isArray(value)) throw new LinkProtocolError('members must be a list')
  return value.map((entry) => {
    const m = object(entry, 'member')
    return { id: str(m.id, 'member id'), url: str(m.url, 'member url') }
  })
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LinkProtocolError(`${what} must be an object`)
  }
  return value as Record<string, unknown>
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new LinkProtocolError(`${what} must be a non-empty string`)
  }
  return value
}

/** A time that may be absent or null (ms since the epoch). */
function optionalTime(value: unknown): number | null {
  return value === undefined || value === null ? null : id(value)
}

function id(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LinkProtocolError('ids and counts must be non-negative integers')
  }
  return value
}
