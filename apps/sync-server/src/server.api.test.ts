/**
 * Integration: the REST document API against a real server (LevelDB in a temp dir) and real
 * y-websocket clients: changes through the API reach connected clients and are stored before
 * the response; reads see them; a restart keeps them; bad input gets a JSON error.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { CloseCode } from './protocol/close-codes.js'
import { appendText, contentUpdate, docJson, textOf } from './test-support/content.js'
import {
  Cleanup,
  connectClient,
  createManualClock,
  startServer,
  synced,
  tempDir,
  until,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const postUpdate = (httpUrl: string, doc: string, update: Uint8Array) =>
  fetch(`${httpUrl}/api/docs/${encodeURIComponent(doc)}/update`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: update,
  })

const putJson = (httpUrl: string, doc: string, json: unknown) =>
  fetch(`${httpUrl}/api/docs/${encodeURIComponent(doc)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json),
  })

const getText = async (httpUrl: string, doc: string): Promise<string> => {
  const res = await fetch(`${httpUrl}/api/docs/${encodeURIComponent(doc)}?format=text`)
  expect(res.status).toBe(200)
  return res.text()
}

/** Status and JSON body of a response. */
const answer = async (res: Response): Promise<[number, unknown]> => [res.status, await res.json()]

describe('REST document API', () => {
  it('reads its own writes: update → live client → GET → restart → GET', async () => {
    const dataDir = await tempDir(cleanup)
    const first = await startServer(cleanup, { dataDir })
    const client = connectClient(cleanup, first.wsUrl, 'team/notes')
    await synced(client)

    const res = await postUpdate(
      first.httpUrl,
      'team/notes',
      contentUpdate(docJson('Hello from the API')),
    )
    expect(await answer(res)).toEqual([200, { changed: true }])
    // Stored before the response, relayed to the connected client.
    await until(() => textOf(client.doc) === 'Hello from the API', { docs: [client.doc] })
    expect(await getText(first.httpUrl, 'team/notes')).toBe('Hello from the API')
    const json = await fetch(`${first.httpUrl}/api/docs/team%2Fnotes`)
    expect(json.headers.get('content-type')).toBe('application/json')
    expect(await json.json()).toEqual(docJson('Hello from the API'))
    const binary = await fetch(`${first.httpUrl}/api/docs/team%2Fnotes?format=update`)
    expect(binary.headers.get('content-type')).toBe('application/octet-stream')
    const copy = new Y.Doc()
    Y.applyUpdate(copy, new Uint8Array(await binary.arrayBuffer()))
    expect(textOf(copy)).toBe('Hello from the API')
    copy.destroy()

    // The same update again changes nothing.
    const again = await postUpdate(first.httpUrl, 'team/notes', Y.encodeStateAsUpdate(client.doc))
    expect(await answer(again)).toEqual([200, { changed: false }])

    client.destroy()
    await first.server.close()
    const second = await startServer(cleanup, { dataDir })
    expect(await getText(second.httpUrl, 'team/notes')).toBe('Hello from the API')
  })

  it('replaces the content with ProseMirror JSON as one change every client sees', async () => {
    const { httpUrl, wsUrl } = await startServer(cleanup)
    const a = connectClient(cleanup, wsUrl, 'replace')
    await synced(a)
    a.doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
    appendText(a.doc, 'typed by a client')
    const b = connectClient(cleanup, wsUrl, 'replace')
    await synced(b)
    await until(() => textOf(b.doc) === 'typed by a client', { docs: [b.doc] })

    let changes = 0
    b.doc.on('update', () => changes++)
    const next = docJson('Title', 'replaced through the API')
    expect(await answer(await putJson(httpUrl, 'replace', next))).toEqual([200, { changed: true }])
    const expected = 'Title\nreplaced through the API'
    await until(() => textOf(b.doc) === expected && textOf(a.doc) === expected, {
      docs: [a.doc, b.doc],
    })
    // One transaction, relayed as one update.
    expect(changes).toBe(1)
    expect(await getText(httpUrl, 'replace')).toBe(expected)
    // The same content again is no change.
    expect(await answer(await putJson(httpUrl, 'replace', next))).toEqual([200, { changed: false }])
  })

  it('creates a document with PUT, and answers 404 for one never written', async () => {
    const { httpUrl } = await startServer(cleanup)
    expect(await answer(await fetch(`${httpUrl}/api/docs/nothing`))).toEqual([
      404,
      { error: 'no such document', code: 'DOCUMENT_NOT_FOUND' },
    ])
    expect((await putJson(httpUrl, 'fresh', docJson('new'))).status).toBe(200)
    expect(await getText(httpUrl, 'fresh')).toBe('new')
  })

  it('refuses bad input with a JSON error and a stable code', async () => {
    const { httpUrl } = await startServer(cleanup, {
      maxFrameBytes: 4096,
      maxNestingDepth: 10,
    })
    const base = `${httpUrl}/api/docs/doc`
    const cases: [string, Promise<Response>, number, string][] = [
      [
        'wrong content type',
        fetch(`${base}/update`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'undecodable update',
        postUpdate(httpUrl, 'doc', Uint8Array.of(1, 2, 3, 4)),
        422,
        'INVALID_UPDATE',
      ],
      ['empty update body', postUpdate(httpUrl, 'doc', new Uint8Array(0)), 422, 'INVALID_UPDATE'],
      ['update too large', postUpdate(httpUrl, 'doc', new Uint8Array(5000)), 413, 'BODY_TOO_LARGE'],
      [
        'PUT without JSON type',
        fetch(base, { method: 'PUT', body: '{}' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'PUT with broken JSON',
        fetch(base, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"type":',
        }),
        400,
        'BAD_JSON',
      ],
      ['PUT not a doc', putJson(httpUrl, 'doc', { type: 'paragraph' }), 422, 'INVALID_DOCUMENT'],
      [
        'PUT unknown node',
        putJson(httpUrl, 'doc', { type: 'doc', content: [{ type: 'video' }] }),
        422,
        'INVALID_DOCUMENT',
      ],
      [
        'PUT invalid content',
        putJson(httpUrl, 'doc', { type: 'doc', content: [{ type: 'text', text: 'x' }] }),
        422,
        'INVALID_DOCUMENT',
      ],
      ['PUT too deep', putJson(httpUrl, 'doc', deepQuote(20)), 422, 'INVALID_DOCUMENT'],
      ['bad format', fetch(`${base}?format=html`), 400, 'BAD_REQUEST'],
      ['bad name', fetch(`${httpUrl}/api/docs/a%00b`), 400, 'BAD_REQUEST'],
      ['no such route', fetch(`${base}/nope`), 404, 'NOT_FOUND'],
      ['not under docs', fetch(`${httpUrl}/api/other`), 404, 'NOT_FOUND'],
      ['wrong method', fetch(`${base}/update`, { method: 'GET' }), 405, 'METHOD_NOT_ALLOWED'],
      ['bad limit', fetch(`${httpUrl}/api/docs?limit=0`), 400, 'BAD_REQUEST'],
    ]
    for (const [what, request, status, code] of cases) {
      const res = await request
      const body = (await res.json()) as { code: string; error: string }
      expect({ what, status: res.status, code: body.code }).toEqual({ what, status, code })
      expect(typeof body.error).toBe('string')
    }
    const wrongMethod = await fetch(base, { method: 'POST' })
    expect(wrongMethod.headers.get('allow')).toBe('GET, PUT, DELETE')
    // Nothing of that was stored.
    expect((await fetch(base)).status).toBe(404)
  })

  it('refuses an update that depends on changes the document lacks (409), leaving it unchanged', async () => {
    const { httpUrl } = await startServer(cleanup)
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (u: Uint8Array) => updates.push(u))
    source.getText('t').insert(0, 'a')
    source.getText('t').insert(1, 'b')
    const res = await postUpdate(httpUrl, 'gaps', updates[1] as Uint8Array)
    expect(await answer(res)).toMatchObject([409, { code: 'MISSING_DEPENDENCIES' }])
    expect((await fetch(`${httpUrl}/api/docs/gaps`)).status).toBe(404)
    expect(await answer(await postUpdate(httpUrl, 'gaps', Y.mergeUpdates(updates)))).toEqual([
      200,
      { changed: true },
    ])
    source.destroy()
  })

  it('refuses a change that would make the document too large (413)', async () => {
    const { httpUrl } = await startServer(cleanup, { maxDocBytes: 2048 })
    const res = await putJson(httpUrl, 'big', docJson('x'.repeat(4000)))
    expect(await answer(res)).toMatchObject([413, { code: 'DOCUMENT_TOO_LARGE' }])
    expect((await fetch(`${httpUrl}/api/docs/big`)).status).toBe(404)
  })

  it('lists stored documents with size and last-modified time, page by page', async () => {
    const clock = createManualClock(Date.UTC(2025, 5, 1))
    const { httpUrl } = await startServer(cleanup, {}, { clock })
    for (const name of ['b', 'a', 'c/1', 'c/2']) {
      expect((await putJson(httpUrl, name, docJson(`content of ${name}`))).status).toBe(200)
    }
    const first = await fetch(`${httpUrl}/api/docs?limit=3`)
    const page = (await first.json()) as {
      docs: { name: string; size: number; lastModified: string }[]
      next?: string
    }
    expect(page.docs.map((d) => d.name)).toEqual(['a', 'b', 'c/1'])
    expect(page.next).toBe('c/1')
    for (const doc of page.docs) {
      expect(doc.size).toBeGreaterThan(10)
      expect(Date.parse(doc.lastModified)).toBeGreaterThan(Date.now() - 60_000)
    }
    const second = await fetch(
      `${httpUrl}/api/docs?limit=3&after=${encodeURIComponent(page.next as string)}`,
    )
    expect(await second.json()).toMatchObject({ docs: [{ name: 'c/2' }] })
  })
})

describe('deleting a document', () => {
  it('closes its clients with 4410, removes it, and keeps stale copies from re-creating it', async () => {
    const dataDir = await tempDir(cleanup)
    const first = await startServer(cleanup, { dataDir })
    const { httpUrl, wsUrl } = first
    expect((await putJson(httpUrl, 'doomed', docJson('secret plans'))).status).toBe(200)
    expect((await fetch(`${httpUrl}/api/docs/doomed/versions`, { method: 'POST' })).status).toBe(
      201,
    )
    const client = connectClient(cleanup, wsUrl, 'doomed')
    await synced(client)
    expect(textOf(client.doc)).toBe('secret plans')
    const closed = new Promise<{ code: number } | null>((resolve) =>
      client.provider.once('closed', resolve),
    )

    const res = await fetch(`${httpUrl}/api/docs/doomed`, { method: 'DELETE' })
    expect(res.status).toBe(204)
    // 4410 is permanent for y-websocket: it stops instead of re-sending its copy.
    expect((await closed)?.code).toBe(CloseCode.documentDeleted)
    expect(client.provider.shouldConnect).toBe(false)
    expect(await answer(await fetch(`${httpUrl}/api/docs/doomed`))).toMatchObject([
      410,
      { code: 'DOCUMENT_DELETED' },
    ])
    expect(await answer(await fetch(`${httpUrl}/api/docs/doomed/versions`))).toEqual([
      200,
      { versions: [] },
    ])
    expect((await (await fetch(`${httpUrl}/api/docs`)).json()) as unknown).toEqual({ docs: [] })
    expect((await fetch(`${httpUrl}/api/docs/doomed`, { method: 'DELETE' })).status).toBe(404)

    // A client that still holds the content and connects again is refused, after a restart too.
    client.destroy()
    await first.server.close()
    const second = await startServer(cleanup, { dataDir })
    const stale = new Y.Doc()
    Y.applyUpdate(stale, contentUpdate(docJson('secret plans')))
    const ws = new WebSocket(`${second.wsUrl}/doomed`)
    cleanup.add(() => ws.terminate())
    expect(await new Promise((resolve) => ws.on('close', resolve))).toBe(CloseCode.documentDeleted)
    expect((await fetch(`${second.httpUrl}/api/docs/doomed`)).status).toBe(410)
    stale.destroy()

    // A deliberate write through the API re-creates it; then clients may join again.
    expect((await putJson(second.httpUrl, 'doomed', docJson('a fresh start'))).status).toBe(200)
    const fresh = connectClient(cleanup, second.wsUrl, 'doomed')
    await synced(fresh)
    expect(textOf(fresh.doc)).toBe('a fresh start')
    expect(await answer(await fetch(`${second.httpUrl}/api/docs/doomed/versions`))).toEqual([
      200,
      { versions: [] },
    ])
  })

  it('lets clients back in once the tombstone has expired, and not before', async () => {
    const clock = createManualClock()
    const { httpUrl, wsUrl } = await startServer(
      cleanup,
      { tombstoneTtlMs: 60_000, idleTimeoutMs: 0 },
      { clock },
    )
    expect((await putJson(httpUrl, 'brief', docJson('x'))).status).toBe(200)
    expect((await fetch(`${httpUrl}/api/docs/brief`, { method: 'DELETE' })).status).toBe(204)
    const refused = new WebSocket(`${wsUrl}/brief`)
    cleanup.add(() => refused.terminate())
    expect(await new Promise((resolve) => refused.on('close', resolve))).toBe(
      CloseCode.documentDeleted,
    )
    await clock.advance(60_000)
    const client = connectClient(cleanup, wsUrl, 'brief')
    await synced(client)
    expect(textOf(client.doc)).toBe('')
  })

  it('with --tombstone-ttl 0, lets a reconnecting client re-create the document', async () => {
    const { httpUrl, wsUrl } = await startServer(cleanup, { tombstoneTtlMs: 0 })
    expect((await putJson(httpUrl, 'again', docJson('kept by a client'))).status).toBe(200)
    expect((await fetch(`${httpUrl}/api/docs/again`, { method: 'DELETE' })).status).toBe(204)
    const holder = connectClient(cleanup, wsUrl, 'again', { doc: new Y.Doc() })
    Y.applyUpdate(holder.doc, contentUpdate(docJson('kept by a client')))
    await synced(holder)
    // Another client receiving it proves the server stored it (persist before relay).
    const observer = connectClient(cleanup, wsUrl, 'again')
    await until(() => textOf(observer.doc) === 'kept by a client', { docs: [observer.doc] })
    expect(await getText(httpUrl, 'again')).toBe('kept by a client')
  })
})

/** ProseMirror JSON nesting `depth` blockquotes. */
function deepQuote(depth: number): unknown {
  let node: unknown = { type: 'paragraph', content: [{ type: 'text', text: 'deep' }] }
  for (let i = 0; i < depth; i++) node = { type: 'blockquote', content: [node] }
  return { type: 'doc', content: [node] }
}
