/**
 * Pure codec for awareness updates (the payload of an `awareness` frame), as produced by
 * y-protocols' `encodeAwarenessUpdate`: a count, then per client its id, clock and state as
 * a JSON string (`"null"` means the client went away).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ProtocolError } from './protocol-error.js'

/** One client's entry in an awareness update. `state` is the raw JSON text. */
export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  /** The state as JSON text; `"null"` removes the client. Parsed only when validated. */
  readonly state: string
}

/** The JSON text y-protocols uses for a removed state. */
export const REMOVED_STATE = 'null'

/**
 * Decode an awareness update.
 *
 * @throws {ProtocolError} `INVALID_AWARENESS` when the bytes do not decode completely.
 */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  try {
    const count = decoding.readVarUint(decoder)
    // Each entry takes at least 3 bytes, so a count beyond that is a lie we need not loop over.
    if (count > update.length) {
      throw new Error(`claims ${count} entries in ${update.length} bytes`)
    }
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const state = decoding.readVarString(decoder)
      entries.push({ clientId, clock, state })
    }
    if (decoder.pos !== update.length) {
      throw new Error(`${update.length - decoder.pos} trailing bytes`)
    }
    return entries
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause
    throw new ProtocolError('INVALID_AWARENESS', 'awareness update does not decode', { cause })
  }
}

/** Encode awareness entries into an awareness update. */
export function encodeAwarenessUpdate(entries: Iterable<AwarenessEntry>): Uint8Array {
  const list = Array.isArray(entries) ? (entries as AwarenessEntry[]) : [...entries]
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, list.length)
  for (const entry of list) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}

/**
 * Fold `entries` into `held` (client id → entry), keeping each client's newest entry: what a
 * coalesced awareness update must carry. An equal clock replaces: y-protocols accepts a
 * removal at the same clock as the state it removes.
 */
export function keepNewest(
  held: Map<number, AwarenessEntry>,
  entries: Iterable<AwarenessEntry>,
): void {
  for (const entry of entries) {
    const previous = held.get(entry.clientId)
    if (previous === undefined || entry.clock >= previous.clock) held.set(entry.clientId, entry)
  }
}
