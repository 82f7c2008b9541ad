/** Integration: the plain HTTP routes on the server's port. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Cleanup, startServer, tempDir } from '../test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('HTTP routes', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    const { httpUrl, server } = await startServer(cleanup)
    const health = await fetch(`${httpUrl}/healthz`)
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }])
    const ready = await fetch(`${httpUrl}/readyz`)
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }])
    const metrics = await fetch(`${httpUrl}/metrics`)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await metrics.text()).toMatch(/^weft_connections_open\{access="write"\} 0$/m)
    await server.close()
  })

  it('reports not ready while shutting down', async () => {
    const { httpUrl, server } = await startServer(cleanup)
    const closing = server.close()
    // The listener is closed first, so a new request cannot even connect.
    await expect(fetch(`${httpUrl}/readyz`)).rejects.toThrow()
    await closing
  })

  it('serves a plain placeholder page at / and /d/<doc> when no app is bundled', async () => {
    const { httpUrl } = await startServer(cleanup, { staticDir: null })
    for (const path of ['/', '/d/some-doc']) {
      const res = await fetch(`${httpUrl}${path}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await res.text()).toMatch(/No editor app is bundled/)
    }
    expect((await fetch(`${httpUrl}/nothing.js`)).status).toBe(404)
  })

  it('serves the app’s files, index.html for app routes, and nothing outside the directory', async () => {
    const root = await tempDir(cleanup)
    const staticDir = join(root, 'app')
    await mkdir(join(staticDir, 'assets'), { recursive: true })
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>app</title>')
    await writeFile(join(staticDir, 'assets', 'main-abc123.js'), 'console.log(1)')
    await writeFile(join(root, 'secret.txt'), 'secret')
    const { httpUrl } = await startServer(cleanup, { staticDir })

    for (const path of ['/', '/d/notes', '/d/team%2Fnotes']) {
      const res = await fetch(`${httpUrl}${path}`)
      expect({ path, status: res.status }).toEqual({ path, status: 200 })
      expect(await res.text()).toBe('<!doctype html><title>app</title>')
      expect(res.headers.get('cache-control')).toBe('no-cache')
    }
    const asset = await fetch(`${httpUrl}/assets/main-abc123.js`)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(asset.headers.get('cache-control')).toMatch(/immutable/)
    expect(await asset.text()).toBe('console.log(1)')

    const head = await fetch(`${httpUrl}/assets/main-abc123.js`, { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([
      200,
      '14',
      '',
    ])

    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%00',
      '/assets',
    ]) {
      const res = await fetch(`${httpUrl}${path}`)
      expect({ path, status: res.status }).toEqual({ path, status: 404 })
    }
    expect((await fetch(`${httpUrl}/`, { method: 'POST' })).status).toBe(405)
  })
})
