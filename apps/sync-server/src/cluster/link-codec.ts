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
 * one binary value a message may have (a document's Yjs state) and is empty otherwise. Requests
 * carry an `id` the answer repeats. Malformed frames raise `LinkProtocolError`.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { RevocationMode, RevocationTarget } from '../auth/revocations.js'
import type { ClusterNode } from './node-list.js'

/** A request one node makes of another. */
export type LinkRequest =
  /** "Hand `doc` over to me": I own it. */
  | { readonly op: 'take'; readonly doc: string }
  /** "I have stored the state you gave me for `doc` (`token`): delete your copy." */
  | { readonly op: 'commit'; readonly doc: string; readonly token: number }
  /** "I hold `doc`, which you own: take it." */
  | { readonly op: 'offer'; readonly doc: string }
  /** "Revoke this on your node too." */
  | { readonly op: 'revoke'; readonly target: RevocationTarget; readonly mode: RevocationMode }

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
    }
  | { readonly op: 'commit'; readonly deleted: boolean }
  | { readonly op: 'offer'; readonly result: 'absorbed' | 'not-owner' }
  | { readonly op: 'revoke'; readonly affected: number }

/** One message on a link. */
export type LinkMessage =
  /** First message each side sends: who it is and the node list it was configured with. */
  | { readonly type: 'hello'; readonly node: string; readonly members: readonly ClusterNode[] }
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
  if (message.type === 'response' && message.response.op === 'take') {
    const response = message.response
    if (response.result === 'state') {
      payload = response.update
      const { update: _update, ...rest } = response
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
      return { type: 'hello', node: str(h.node, 'node'), members: members(h.members) }
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
    case 'revoke': {
      const t = object(r.target, 'target')
      const target: { user?: string; doc?: string } = {}
      if (t.user !== undefined) target.user = str(t.user, 'target.user')
      if (t.doc !== undefined) target.doc = str(t.doc, 'target.doc')
      if (r.mode !== 'close' && r.mode !== 'read-only') throw new LinkProtocolError('bad mode')
      return { op: 'revoke', target, mode: r.mode }
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
        return { op: 'take', result: 'state', token: id(r.token), update: payload, owners }
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
    case 'revoke':
      return { op: 'revoke', affected: id(r.affected) }
    default:
      throw new LinkProtocolError(`unknown response ${JSON.stringify(r.op)}`)
  }
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

function id(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LinkProtocolError('ids and counts must be non-negative integers')
  }
  return value
}
