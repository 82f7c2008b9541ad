/**
 * Integration: a room loaded from one stored snapshot answers new clients from the stored
 * bytes and builds its Y.Doc afterwards; clients that hold something, and every update, go
 * through the document as before.
 */
import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openLevelDbStore } from './storage/leveldb-store.js'
import {
  Cleanup,
  connectClient,
  converged,
  openRawSocket,
  startServer,
  synced,
  tempDir,
  until,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** Decode a sync frame into its sub-type and payload (null for other frames). */
function syncFrame(frame: Buffer): { subtype: number; payload: Uint8Array } | null {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== 0) return null
  const subtype = decoding.readVarUint(decoder)
  return { subtype, payload: decoding.readVarUint8Array(decoder) }
}

/** Write `text` into `doc` on a first server, stop it (which stores one snapshot). */
async function storeDocument(dataDir: string, doc: string, text: string): Promise<Uint8Array> {
  const first = await startServer(cleanup, { dataDir })
  const writer = connectClient(cleanup, first.wsUrl, doc)
  await synced(writer)
  writer.doc.getText('t').insert(0, text)
  const watcher = connectClient(cleanup, first.wsUrl, doc)
  await converged([writer.doc, watcher.doc])
  const stateVector = Y.encodeStateVector(writer.doc)
  writer.destroy()
  watcher.destroy()
  await first.server.close()
  return stateVector
}

describe('rooms loaded from a snapshot', () => {
  it('send a new client the whole document, then their own state vector', async () => {
    const dataDir = await tempDir(cleanup)
    const stateVector = await storeDocument(dataDir, 'report', 'stored once')
    const server = await startServer(cleanup, { dataDir })

    const raw = await openRawSocket(cleanup, server.wsUrl, 'report')
    raw.ws.send(Uint8Array.of(0, 0, 1, 0)) // sync step 1: "I have nothing"
    const frames = (): { subtype: number; payload: Uint8Array }[] =>
      raw.received.map(syncFrame).filter((f) => f !== null)
    await until(
      () => frames().some((f) => f.subtype === 1) && frames().some((f) => f.subtype === 0),
      { alsoOn: [[raw.ws, 'message']] },
      'sync step 1 and step 2 from the server',
    )
    const step2 = frames().find((f) => f.subtype === 1)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, step2?.payload ?? new Uint8Array())
    expect(doc.getText('t').toString()).toBe('stored once')
    doc.destroy()
    // The room's step 1 names what it holds, so a client with changes can send them.
    expect(frames().find((f) => f.subtype === 0)?.payload).toEqual(stateVector)
  })

  it('sync both ways with a returning client that made changes while away', async () => {
    const dataDir = await tempDir(cleanup)
    await storeDocument(dataDir, 'notes', 'hello')
    const server = await startServer(cleanup, { dataDir })

    // A client that had the document and edited it offline comes back.
    const reader = connectClient(cleanup, server.wsUrl, 'notes')
    await synced(reader)
    const offline = new Y.Doc()
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(reader.doc))
    offline.getText('t').insert(5, ', world')
    const returning = connectClient(cleanup, server.wsUrl, 'notes', { doc: offline })
    await synced(returning)
    await converged([reader.doc, returning.doc])
    expect(reader.doc.getText('t').toString()).toBe('hello, world')

    // And a new client after that gets the edited document, not the stored snapshot.
    const late = connectClient(cleanup, server.wsUrl, 'notes')
    await synced(late)
    await converged([late.doc, reader.doc])
    expect(late.doc.getText('t').toString()).toBe('hello, world')
  })

  it('answer a new client of a new document without content, and take its first edit', async () => {
    const server = await startServer(cleanup)
    const a = connectClient(cleanup, server.wsUrl, 'fresh')
    const b = connectClient(cleanup, server.wsUrl, 'fresh')
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'first')
    await converged([a.doc, b.doc])
    expect(b.doc.getText('t').toString()).toBe('first')
  })

  it('fail a room whose stored snapshot does not decode, closing its clients with 1011', async () => {
    const store = await openLevelDbStore({ dir: await tempDir(cleanup), fsync: false })
    cleanup.add(() => store.close())
    await store.replace('broken', Uint8Array.of(1, 200, 7, 7, 7))
    const server = await startServer(cleanup, {}, { store })

    const raw = await openRawSocket(cleanup, server.wsUrl, 'broken')
    raw.ws.send(Uint8Array.of(0, 0, 1, 0))
    expect((await raw.closed).code).toBe(1011)
    // Other documents are unaffected.
    const a = connectClient(cleanup, server.wsUrl, 'fine')
    await synced(a)
    a.doc.getText('t').insert(0, 'ok')
    const b = connectClient(cleanup, server.wsUrl, 'fine')
    await synced(b)
    expect(b.doc.getText('t').toString()).toBe('ok')
  })
})
