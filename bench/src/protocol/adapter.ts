/**
 * How the load generator talks to a target: the y-websocket protocol, Hocuspocus's variant of
 * it (every message prefixed with the document name, an auth handshake first, acks for
 * updates), or nothing at all for the bare relay (it only forwards bytes between clients).
 * Pure: bytes in, values out; the client decides what to send.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Protocols the generator speaks. */
export type ProtocolName = 'y-websocket' | 'hocuspocus' | 'relay'

/** A server message, decoded enough for the generator. Payloads are views into the frame. */
export type ServerMessage =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-step2'; readonly update: Uint8Array }
  | { readonly kind: 'sync-update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  /** Hocuspocus: the auth message was accepted. */
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'permission-denied'; readonly reason: string }
  /** Anything the generator does not need (Hocuspocus sync-status acks, query-awareness). */
  | { readonly kind: 'ignored'; readonly type: number }

/** Message tags shared by y-websocket and Hocuspocus. */
const SYNC = 0
const AWARENESS = 1
const AUTH = 2
const QUERY_AWARENESS = 3
/** Hocuspocus only. */
const HP_SYNC_REPLY = 4
const HP_CLOSE = 7

const STEP1 = 0
const STEP2 = 1
const UPDATE = 2

/** The y-websocket body of a sync message. */
function syncBody(subtype: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, SYNC)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** A sync-update body (`0 2 varBytes(update)`), before any document prefix. */
export function encodeUpdateBody(update: Uint8Array): Uint8Array {
  return syncBody(UPDATE, update)
}

/** An awareness body (`1 varBytes(awareness-update)`), before any document prefix. */
export function encodeAwarenessBody(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, AWARENESS)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Sync step 1 with the given state vector (`Uint8Array.of(0)`: "I have nothing"). */
export function encodeStep1Body(stateVector: Uint8Array): Uint8Array {
  return syncBody(STEP1, stateVector)
}

/** Sync step 2 carrying `update` (an empty update is `Uint8Array.of(0, 0)`). */
export function encodeStep2Body(update: Uint8Array): Uint8Array {
  return syncBody(STEP2, update)
}

const EMPTY_STATE_VECTOR = Uint8Array.of(0)
const EMPTY_UPDATE = Uint8Array.of(0, 0)

/** Frames in and out for one document on one socket. */
export interface DocChannel {
  /** Frames to send as soon as the socket is open. */
  readonly openFrames: readonly Uint8Array[]
  /** Whether the client counts as synced as soon as the socket is open (nothing to sync with). */
  readonly syncedOnOpen: boolean
  /** Whether the server answers a client's sync step 1 (a relay has no state to answer with). */
  readonly answersStep1: boolean
  /** A frame carrying a y-websocket body (a message tag followed by its payload). */
  frame(body: Uint8Array): Uint8Array
  /** The reply to the server's sync step 1: we hold nothing the server lacks. */
  readonly step2Reply: Uint8Array
  /** Sync step 1 asking for the whole document. */
  readonly fullStep1: Uint8Array
  /**
   * Decode a server frame.
   *
   * @throws {Error} when the frame does not decode or belongs to another document.
   */
  decode(frame: Uint8Array): ServerMessage
}

/** The channel of `protocol` for `docName`. */
export function createChannel(protocol: ProtocolName, docName: string): DocChannel {
  switch (protocol) {
    case 'y-websocket':
      return yWebsocketChannel()
    case 'relay':
      return relayChannel()
    case 'hocuspocus':
      return hocuspocusChannel(docName)
    default: {
      const unreachable: never = protocol
      throw new Error(`unknown protocol ${String(unreachable)}`)
    }
  }
}

function yWebsocketChannel(): DocChannel {
  const fullStep1 = encodeStep1Body(EMPTY_STATE_VECTOR)
  return {
    openFrames: [fullStep1],
    syncedOnOpen: false,
    answersStep1: true,
    frame: (body) => body,
    step2Reply: encodeStep2Body(EMPTY_UPDATE),
    fullStep1,
    decode: (frame) => decodeBody(decoding.createDecoder(frame), false),
  }
}

function relayChannel(): DocChannel {
  return {
    ...yWebsocketChannel(),
    // Sync messages would only be forwarded to the other clients, who hold no state either.
    openFrames: [],
    syncedOnOpen: true,
    answersStep1: false,
  }
}

function hocuspocusChannel(docName: string): DocChannel {
  const prefixEncoder = encoding.createEncoder()
  encoding.writeVarString(prefixEncoder, docName)
  const prefix = encoding.toUint8Array(prefixEncoder)
  const frame = (body: Uint8Array): Uint8Array => {
    const out = new Uint8Array(prefix.length + body.length)
    out.set(prefix, 0)
    out.set(body, prefix.length)
    return out
  }
  // The Hocuspocus provider authenticates every document first (an empty token when the
  // server has no onAuthenticate hook); messages before it are queued by the server.
  const authEncoder = encoding.createEncoder()
  encoding.writeVarUint(authEncoder, AUTH)
  encoding.writeVarUint(authEncoder, 0) // token
  encoding.writeVarString(authEncoder, '')
  const fullStep1 = frame(encodeStep1Body(EMPTY_STATE_VECTOR))
  return {
    openFrames: [frame(encoding.toUint8Array(authEncoder)), fullStep1],
    syncedOnOpen: false,
    answersStep1: true,
    frame,
    step2Reply: frame(encodeStep2Body(EMPTY_UPDATE)),
    fullStep1,
    decode: (bytes) => {
      const decoder = decoding.createDecoder(bytes)
      const name = decoding.readVarString(decoder)
      if (name !== docName) throw new Error(`message for document ${name}, expected ${docName}`)
      return decodeBody(decoder, true)
    },
  }
}

/** Decode a y-websocket body (also Hocuspocus's after the name). */
function decodeBody(decoder: decoding.Decoder, hocuspocus: boolean): ServerMessage {
  const type = decoding.readVarUint(decoder)
  switch (type) {
    case SYNC:
    case HP_SYNC_REPLY: {
      const subtype = decoding.readVarUint(decoder)
      const payload = decoding.readVarUint8Array(decoder)
      if (subtype === STEP1) return { kind: 'sync-step1', stateVector: payload }
      if (subtype === STEP2) return { kind: 'sync-step2', update: payload }
      if (subtype === UPDATE) return { kind: 'sync-update', update: payload }
      throw new Error(`unknown sync message type ${subtype}`)
    }
    case AWARENESS:
      return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) }
    case AUTH: {
      const subtype = decoding.readVarUint(decoder)
      // y-websocket: 0 = permission denied. Hocuspocus: 0 = token request, 1 = denied,
      // 2 = authenticated.
      if (!hocuspocus || subtype === 1) {
        return { kind: 'permission-denied', reason: decoding.readVarString(decoder) }
      }
      if (subtype === 2) return { kind: 'authenticated' }
      return { kind: 'ignored', type }
    }
    case HP_CLOSE:
      return { kind: 'permission-denied', reason: `closed: ${decoding.readVarString(decoder)}` }
    case QUERY_AWARENESS:
      return { kind: 'ignored', type }
    default:
      return { kind: 'ignored', type }
  }
}
