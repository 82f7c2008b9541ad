/**
 * Integration: document versions through the REST API — labelled ones on request, automatic
 * ones while a document is edited (time from a manual clock, never slept), restore as a new
 * change that reaches every client, retention.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendText, docJson, textOf } from './test-support/content.js'
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

interface VersionJson {
  id: number
  createdAt: string
  label: string | null
  kind: 'auto' | 'manual'
  size: number
}

const api = (httpUrl: string, doc: string) => {
  const base = `${httpUrl}/api/docs/${encodeURIComponent(doc)}`
  return {
    put: (lines: string[]) =>
      fetch(base, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(docJson(...lines)),
      }),
    text: async () => (await fetch(`${base}?format=text`)).text(),
    save: (label?: string) =>
      fetch(`${base}/versions`, {
        method: 'POST',
        ...(label === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label }) }),
      }),
    versions: async (): Promise<VersionJson[]> =>
      ((await (await fetch(`${base}/versions`)).json()) as { versions: VersionJson[] }).versions,
    version: (id: number, format = 'json') => fetch(`${base}/versions/${id}?format=${format}`),
    restore: (id: number) => fetch(`${base}/versions/${id}/restore`, { method: 'POST' }),
    remove: (id: number) => fetch(`${base}/versions/${id}`, { method: 'DELETE' }),
  }
}

describe('versions on request', () => {
  it('saves a labelled version, lists it, and returns its content in every format', async () => {
    const clock = createManualClock(Date.UTC(2025, 2, 3, 4, 5, 6))
    const { httpUrl } = await startServer(cleanup, {}, { clock })
    const doc = api(httpUrl, 'report')
    expect((await doc.put(['Draft one'])).status).toBe(200)
    const saved = await doc.save('  First draft  ')
    expect(saved.status).toBe(201)
    const info = (await saved.json()) as VersionJson
    expect(info).toEqual({
      id: 1,
      createdAt: '2025-03-03T04:05:06.000Z',
      label: 'First draft',
      kind: 'manual',
      size: expect.any(Number),
    })
    expect((await doc.put(['Draft two'])).status).toBe(200)
    expect((await doc.save()).status).toBe(201)
    const list = await doc.versions()
    expect(list.map((v) => [v.id, v.label, v.kind])).toEqual([
      [2, null, 'manual'],
      [1, 'First draft', 'manual'],
    ])
    expect(await (await doc.version(1)).json()).toEqual(docJson('Draft one'))
    expect(await (await doc.version(1, 'text')).text()).toBe('Draft one')
    const binary = await doc.version(2, 'update')
    expect(binary.headers.get('content-type')).toBe('application/octet-stream')
    expect((await binary.arrayBuffer()).byteLength).toBe(list[0]?.size)
    expect((await doc.version(3)).status).toBe(404)
  })

  it('refuses bad labels, unknown documents and more labelled versions than allowed', async () => {
    const { httpUrl } = await startServer(cleanup, { maxLabelledVersions: 2 })
    const doc = api(httpUrl, 'capped')
    expect((await doc.save('x')).status).toBe(404)
    expect((await doc.put(['x'])).status).toBe(200)
    for (const [body, type] of [
      ['{"label": 5}', 'application/json'],
      ['[]', 'application/json'],
      [JSON.stringify({ label: 'x'.repeat(201) }), 'application/json'],
      [JSON.stringify({ label: 'bad\u0007bell' }), 'application/json'],
    ] as const) {
      const res = await fetch(`${httpUrl}/api/docs/capped/versions`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      })
      expect([body, res.status, ((await res.json()) as { code: string }).code]).toEqual([
        body,
        400,
        'BAD_REQUEST',
      ])
    }
    const noType = await fetch(`${httpUrl}/api/docs/capped/versions`, {
      method: 'POST',
      body: '{}',
    })
    expect(noType.status).toBe(415)
    expect((await doc.save('one')).status).toBe(201)
    expect((await doc.save('two')).status).toBe(201)
    const third = await doc.save('three')
    expect([third.status, ((await third.json()) as { code: string }).code]).toEqual([
      409,
      'VERSION_LIMIT',
    ])
    expect((await doc.remove(1)).status).toBe(204)
    expect((await doc.remove(1)).status).toBe(404)
    expect((await doc.save('three')).status).toBe(201)
  })
})

describe('restore', () => {
  it('edit, snapshot, edit more, restore: every client sees the restored text; it can be undone', async () => {
    const { httpUrl, wsUrl } = await startServer(cleanup)
    const doc = api(httpUrl, 'story')
    const alice = connectClient(cleanup, wsUrl, 'story')
    const bob = connectClient(cleanup, wsUrl, 'story')
    await Promise.all([synced(alice), synced(bob)])
    alice.doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
    appendText(alice.doc, 'Once upon a time')
    await until(() => textOf(bob.doc) === 'Once upon a time', { docs: [bob.doc] })
    const snapshot = (await (await doc.save('Opening')).json()) as VersionJson

    appendText(bob.doc, ', a dragon ate the plot')
    await until(() => textOf(alice.doc) === 'Once upon a time, a dragon ate the plot', {
      docs: [alice.doc],
    })

    const res = await doc.restore(snapshot.id)
    expect(res.status).toBe(200)
    const result = (await res.json()) as { restored: number; changed: boolean; backup: VersionJson }
    expect(result).toMatchObject({
      restored: snapshot.id,
      changed: true,
      backup: { label: `Before restoring version ${snapshot.id}`, kind: 'auto' },
    })
    await until(
      () => textOf(alice.doc) === 'Once upon a time' && textOf(bob.doc) === 'Once upon a time',
      { docs: [alice.doc, bob.doc] },
    )
    expect(await doc.text()).toBe('Once upon a time')

    // Restoring the backup undoes the restore.
    expect((await doc.restore(result.backup.id)).status).toBe(200)
    const undone = 'Once upon a time, a dragon ate the plot'
    await until(() => textOf(alice.doc) === undone && textOf(bob.doc) === undone, {
      docs: [alice.doc, bob.doc],
    })
    // Restoring what is already there changes nothing and saves no backup.
    const noop = (await (await doc.restore(result.backup.id)).json()) as { changed: boolean }
    expect(noop).toMatchObject({ changed: false, backup: null })
  })

  it('answers 404 for an unknown version', async () => {
    const { httpUrl } = await startServer(cleanup)
    const doc = api(httpUrl, 'x')
    expect((await doc.put(['x'])).status).toBe(200)
    const res = await doc.restore(7)
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([
      404,
      'VERSION_NOT_FOUND',
    ])
  })
})

describe('automatic versions', () => {
  it('are taken an interval after a change, never of an unchanged document, and pruned', async () => {
    const clock = createManualClock()
    const { httpUrl } = await startServer(
      cleanup,
      { versionIntervalMs: 60_000, versionKeep: 2 },
      { clock },
    )
    const doc = api(httpUrl, 'auto')
    expect((await doc.put(['one'])).status).toBe(200)
    expect(await doc.versions()).toEqual([])
    await clock.advance(59_999)
    expect(await doc.versions()).toEqual([])
    await clock.advance(1)
    expect((await doc.versions()).map((v) => [v.id, v.kind, v.label])).toEqual([[1, 'auto', null]])
    expect(clock.pending).toBe(0)

    // No change: no timer, no version.
    await clock.advance(600_000)
    expect((await doc.versions()).length).toBe(1)

    for (const text of ['two', 'three', 'four']) {
      expect((await doc.put([text])).status).toBe(200)
      await clock.advance(60_000)
    }
    // Two automatic versions are kept: the newest.
    expect((await doc.versions()).map((v) => v.id)).toEqual([4, 3])
    expect(await (await doc.version(4, 'text')).text()).toBe('four')
  })

  it('are taken when an edited document is unloaded before the interval, once', async () => {
    const clock = createManualClock()
    const dataDir = await tempDir(cleanup)
    let unloaded: () => void = () => undefined
    const options = { dataDir, versionIntervalMs: 3_600_000, idleTimeoutMs: 0 }
    const first = await startServer(cleanup, options, {
      clock,
      onRoomUnloaded: () => unloaded(),
    })
    const gone = new Promise<void>((resolve) => {
      unloaded = resolve
    })
    const client = connectClient(cleanup, first.wsUrl, 'session')
    await synced(client)
    client.doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
    appendText(client.doc, 'a short session')
    const observer = connectClient(cleanup, first.wsUrl, 'session')
    await until(() => textOf(observer.doc) === 'a short session', { docs: [observer.doc] })
    client.destroy()
    observer.destroy()
    await gone
    const doc = api(first.httpUrl, 'session')
    const versions = await doc.versions()
    expect(versions.map((v) => v.kind)).toEqual(['auto'])
    expect(await (await doc.version(versions[0]?.id ?? 0, 'text')).text()).toBe('a short session')

    // Loaded again after a restart and unloaded without a change: no second version.
    await first.server.close()
    const second = await startServer(cleanup, options, { clock })
    expect(await api(second.httpUrl, 'session').text()).toBe('a short session')
    await second.server.close()
    const third = await startServer(cleanup, options, { clock })
    expect((await api(third.httpUrl, 'session').versions()).length).toBe(1)
  })
})
