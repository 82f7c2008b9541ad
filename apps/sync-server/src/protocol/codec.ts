/**
 * Pure codec for the y-websocket wire protocol: bytes in, values out, no I/O. The grammar is
 * written down in `docs/PROTOCOL.md`.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { AuthMessageType, MessageType, SyncMessageType } from './message-type.js'
import { ProtocolError } from './protocol-error.js'

/** A frame a client may send, decoded. Payloads are views into the frame, not copies. */
export type ClientMessage =
  | { readonly type: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'query-awareness' }

/**
 * Decode one binary frame sent by a client.
 *
 * The whole frame must be consumed: trailing bytes are refused, so a frame means exactly one
 * thing. Clients never send `auth` frames (the server is the only side that denies
 * permission), so one is refused too.
 *
 * @throws {ProtocolError} when the frame does not decode.
 * @example
 * const message = decodeClientMessage(frame)
 * if (message.type === 'sync-update') room.applyUpdate(message.update)
 */
export function decodeClientMessage(frame: Uint8Array): ClientMessage {
  const decoder = decoding.createDecoder(frame)
  const message = readMessage(decoder)
  if (decoder.pos !== frame.length) {
    throw new ProtocolError(
      'TRAILING_BYTES',
      `frame has ${frame.length - decoder.pos} bytes after its message`,
    )
  }
  return message
}

function readMessage(decoder: decoding.Decoder): ClientMessage {
  const type = readUint(decoder)
  switch (type) {
    case MessageType.sync: {
      const syncType = readUint(decoder)
      const payload = readBytes(decoder)
      switch (syncType) {
        case SyncMessageType.step1:
          return { type: 'sync-step1', stateVector: payload }
        case SyncMessageType.step2:
          return { type: 'sync-step2', update: payload }
        case SyncMessageType.update:
          return { type: 'sync-update', update: payload }
        default:
          throw new ProtocolError('UNKNOWN_SYNC_TYPE', `unknown sync message type ${syncType}`)
      }
    }
    case MessageType.awareness:
      return { type: 'awareness', update: readBytes(decoder) }
    case MessageType.queryAwareness:
      return { type: 'query-awareness' }
    case MessageType.auth:
      throw new ProtocolError('UNEXPECTED_AUTH', 'clients must not send auth messages')
    default:
      throw new ProtocolError('UNKNOWN_MESSAGE_TYPE', `unknown message type ${type}`)
  }
}

function readUint(decoder: decoding.Decoder): number {
  try {
    return decoding.readVarUint(decoder)
  } catch (cause) {
    throw new ProtocolError('TRUNCATED', 'truncated or oversized varint', { cause })
  }
}

function readBytes(decoder: decoding.Decoder): Uint8Array {
  try {
    return decoding.readVarUint8Array(decoder)
  } catch (cause) {
    throw new ProtocolError('TRUNCATED', 'length prefix runs past the end of the frame', {
      cause,
    })
  }
}

function encodeSync(syncType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.sync)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** `sync` step 1: "here is my state vector, send me what I lack". */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return encodeSync(SyncMessageType.step1, stateVector)
}

/** `sync` step 2: the answer to a step 1, an update with everything the peer lacks. */
export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return encodeSync(SyncMessageType.step2, update)
}

/** `sync` update: an incremental document update. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return encodeSync(SyncMessageType.update, update)
}

/** `awareness`: an awareness update (see `encodeAwarenessUpdate`). */
export function encodeAwarenessMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.awareness)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** `query awareness`: asks the peer to send its awareness states. */
export function encodeQueryAwareness(): Uint8Array {
  return Uint8Array.of(MessageType.queryAwareness)
}

/** `auth` permission denied, with a human-readable reason. */
export function encodePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.auth)
  encoding.writeVarUint(encoder, AuthMessageType.permissionDenied)
  encoding.writeVarString(encoder, reason)
  return encoding.toUint8Array(encoder)
}
