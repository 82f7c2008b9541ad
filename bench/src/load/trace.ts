/**
 * The editing trace of the cold-load scenario (`data/automerge-paper.json.gz`, CC BY 4.0, see
 * `data/NOTICE.md`) turned into Yjs updates: one update per edit, made by one client into one
 * Y.Text. "Twice" replays the trace, deletes the whole text in one edit, and replays it again:
 * the same final text and document size, twice the history.
 *
 * Making the updates takes seconds, so they are cached in `bench/.cache/` (the trace is fixed;
 * the cache key is its size and the Yjs version).
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { TEXT_NAME } from './keystrokes.js'

const benchRoot = fileURLToPath(new URL('../../', import.meta.url))

/** The trace file shipped with the bench. */
export const TRACE_FILE = join(benchRoot, 'data', 'automerge-paper.json.gz')

/** The Yjs client id of the trace's author. */
export const TRACE_CLIENT_ID = 0x20_0000

interface TraceFile {
  readonly startContent: string
  readonly endContent: string
  readonly txns: readonly { readonly patches: readonly (readonly [number, number, string])[] }[]
}

/** A trace as updates. */
export interface TraceUpdates {
  /** One update per edit (and, twice, the one deleting everything in between). */
  readonly updates: Uint8Array[]
  /** The author's clock after each update (inserts advance it, deletes do not). */
  readonly clockAfter: Uint32Array
  /** The text at the end. */
  readonly endContent: string
}

/** Read the trace's final text only. */
export function traceEndContent(file = TRACE_FILE): string {
  return (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as TraceFile).endContent
}

/** Make the updates of the trace replayed `times` (1 or 2) times. */
export function makeTraceUpdates(times: 1 | 2, file = TRACE_FILE): TraceUpdates {
  const trace = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as TraceFile
  if (trace.startContent !== '') throw new Error('the trace must start from an empty text')
  const doc = new Y.Doc({ gc: true })
  doc.clientID = TRACE_CLIENT_ID
  const text = doc.getText(TEXT_NAME)
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  const clocks: number[] = []
  const replay = (): void => {
    for (const txn of trace.txns) {
      doc.transact(() => {
        for (const [pos, del, ins] of txn.patches) {
          if (del > 0) text.delete(pos, del)
          if (ins !== '') text.insert(pos, ins)
        }
      })
      clocks.push(Y.getState(doc.store, TRACE_CLIENT_ID))
    }
  }
  replay()
  if (times === 2) {
    text.delete(0, text.length)
    clocks.push(Y.getState(doc.store, TRACE_CLIENT_ID))
    replay()
  }
  const endContent = text.toString()
  doc.destroy()
  if (endContent !== trace.endContent) throw new Error('replaying the trace gave another text')
  if (updates.length !== clocks.length) throw new Error('one update per edit expected')
  return { updates, clockAfter: Uint32Array.from(clocks), endContent }
}

/** `makeTraceUpdates`, cached on disk. */
export function loadTraceUpdates(times: 1 | 2, file = TRACE_FILE): TraceUpdates {
  const require = createRequire(import.meta.url)
  const yjsVersion = (require('yjs/package.json') as { version: string }).version
  const cacheDir = join(benchRoot, '.cache')
  const cacheFile = join(cacheDir, `trace-${statSync(file).size}-x${times}-yjs${yjsVersion}.bin`)
  const endContent = traceEndContent(file)
  try {
    const decoder = decoding.createDecoder(readFileSync(cacheFile))
    const count = decoding.readVarUint(decoder)
    const updates: Uint8Array[] = []
    const clockAfter = new Uint32Array(count)
    for (let i = 0; i < count; i++) {
      updates.push(decoding.readVarUint8Array(decoder))
      clockAfter[i] = decoding.readVarUint(decoder)
    }
    return { updates, clockAfter, endContent }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const made = makeTraceUpdates(times, file)
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, made.updates.length)
  made.updates.forEach((update, i) => {
    encoding.writeVarUint8Array(encoder, update)
    encoding.writeVarUint(encoder, made.clockAfter[i] as number)
  })
  mkdirSync(cacheDir, { recursive: true })
  writeFileSync(`${cacheFile}.tmp`, encoding.toUint8Array(encoder))
  renameSync(`${cacheFile}.tmp`, cacheFile)
  return made
}
