/**
 * Embedding: a plain HTML page with `<weft-editor>` (no build step) works and reacts to
 * attribute changes; `mountEditor` + `destroy` 50 times leaves nothing behind.
 */
import type { Page } from '@playwright/test'
import { createEmbedSite } from '../support/embed-site.js'
import { expect, test } from '../support/fixtures.js'
import { installResourceTracker, type Resources } from '../support/resource-tracker.js'
import { startWeftServer, type WeftServer } from '../support/weft-server.js'

const PLAIN_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>My app</title>
  <link rel="stylesheet" href="/weft-editor.css">
  <script type="module" src="/weft-editor.js"></script>
</head>
<body>
  <h1>My app</h1>
  <weft-editor id="notes" server="/" doc="embedded-notes" name="Embedded Ed" color="#8250df"></weft-editor>
</body>
</html>
`

/** A page that imports the library from the same single file, for the mount/destroy loop. */
const LOOP_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="stylesheet" href="/weft-editor.css"></head>
<body><div id="observer"></div><div id="host"></div></body>
</html>
`

let server: WeftServer
let site: Awaited<ReturnType<typeof createEmbedSite>>

test.beforeAll(async () => {
  site = await createEmbedSite({ 'embed.html': PLAIN_PAGE, 'loop.html': LOOP_PAGE })
  server = await startWeftServer(site.dir)
})

test.afterAll(async () => {
  await server.dispose()
  await site.dispose()
})

const statusOf = (page: Page) => page.locator('#notes')
const editableOf = (page: Page) => page.locator('#notes .ProseMirror')

test('a plain HTML page embedding <weft-editor> syncs and reacts to attributes', async ({
  browser,
}) => {
  const first = await (await browser.newContext()).newPage()
  const second = await (await browser.newContext()).newPage()
  for (const page of [first, second]) {
    await page.goto(`${server.url}/embed.html`)
    await expect(statusOf(page)).toHaveAttribute('data-weft-status', 'connected')
    await expect(statusOf(page)).toHaveAttribute('data-weft-synced', 'true')
  }

  await editableOf(first).click()
  await first.keyboard.type('Hello from a plain page')
  await expect(editableOf(second).locator('p').first()).toContainText('Hello from a plain page')
  await expect(statusOf(first)).toHaveAttribute('data-weft-synced', 'true')
  await expect(second.locator('.weft-cursor__label')).toHaveText('Embedded Ed')

  // Name changes apply in place: the other page's label follows.
  await statusOf(first).evaluate((el) => el.setAttribute('name', 'Renamed Ed'))
  await expect(second.locator('.weft-cursor__label')).toHaveText('Renamed Ed')

  // read-only: no longer editable, content stays.
  await statusOf(second).evaluate((el) => el.setAttribute('read-only', ''))
  await expect(editableOf(second)).toHaveAttribute('contenteditable', 'false')
  await statusOf(second).evaluate((el) => el.removeAttribute('read-only'))
  await expect(editableOf(second)).toHaveAttribute('contenteditable', 'true')

  // A new doc remounts the editor on the other document.
  await statusOf(second).evaluate((el) => el.setAttribute('doc', 'another-doc'))
  await expect(statusOf(second)).toHaveAttribute('data-weft-synced', 'true')
  await expect(editableOf(second)).not.toContainText('Hello from a plain page')
  await expect(second.locator('#notes > .weft-editor')).toHaveCount(1)

  // The second page left the first document: its cursor is gone there.
  await expect(first.locator('.weft-cursor')).toHaveCount(0)
  // Removing the element unmounts the editor.
  await statusOf(second).evaluate((el) => el.remove())
  await expect(second.locator('.weft-editor')).toHaveCount(0)
  await first.context().close()
  await second.context().close()
})

test('mountEditor + destroy 50 times leaves nothing behind', async ({ browser }) => {
  test.setTimeout(120_000)
  const page = await (await browser.newContext()).newPage()
  await page.addInitScript(installResourceTracker)
  await page.goto(`${server.url}/loop.html`)
  const rounds = 50
  const result = await page.evaluate(async (rounds) => {
    const lib = (await import('/weft-editor.js' as string)) as typeof import('@weft/editor')
    const resources = (window as unknown as { resources: () => Resources }).resources
    const observerHost = document.getElementById('observer') as HTMLElement
    const host = document.getElementById('host') as HTMLElement
    const waitFor = (element: HTMLElement, check: () => boolean) =>
      new Promise<void>((resolve) => {
        if (check()) return resolve()
        const observer = new MutationObserver(() => {
          if (!check()) return
          observer.disconnect()
          resolve()
        })
        observer.observe(element, { attributes: true })
      })
    // Another editor watches the same document: it must end up alone in it.
    const observer = lib.mountEditor(observerHost, {
      server: '/',
      doc: 'loop',
      offlineCache: false,
    })
    await waitFor(observerHost, () => observer.status.synced)
    ;(window as unknown as { observer: typeof observer }).observer = observer
    const before = resources()
    const peersSeen = new Set<number>()
    observerHost.addEventListener('weft-peers', (event) => {
      peersSeen.add((event as CustomEvent).detail.length)
    })
    for (let i = 0; i < rounds; i++) {
      const editor = lib.mountEditor(host, {
        server: '/',
        doc: 'loop',
        user: { id: `loop-user-${i}`, name: `Looper ${i}` },
        token: async () => `token-${i}`,
      })
      await waitFor(host, () => editor.status.synced)
      editor.destroy()
    }
    return { before, peersSeen: [...peersSeen] }
  }, rounds)
  // Sockets close asynchronously; wait for the closes, then compare.
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { resources: () => Resources }).resources().openSockets,
      ),
    )
    .toBe(1) // the observer's
  const after = await page.evaluate(() => {
    const r = (window as unknown as { resources: () => Resources }).resources()
    const host = document.getElementById('host') as HTMLElement
    return { ...r, hostChildren: host.childNodes.length, hostAttributes: host.getAttributeNames() }
  })
  expect(after.hostChildren).toBe(0)
  expect(after.hostAttributes).toEqual(['id'])
  expect(after.listeners).toBe(result.before.listeners)
  expect(after.intervals).toBe(result.before.intervals)
  // Every mount fetched its token before connecting.
  const loopUrls = after.socketUrls.slice(1)
  expect(loopUrls).toHaveLength(rounds)
  expect(loopUrls).toEqual(loopUrls.map((_, i) => expect.stringContaining(`token=token-${i}`)))
  // The observer saw each one come and go, and is alone again.
  expect(result.peersSeen).toContain(2)
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { observer: { peers: unknown[] } }).observer.peers.length,
      ),
    )
    .toBe(1)
  // No IndexedDB handle is left open: deleting the database is not blocked.
  const blocked = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const names = indexedDB.databases()
        names.then((list) => {
          const name = list.find((db) => db.name?.includes('loop'))?.name
          if (name === undefined) return resolve('no database')
          const request = indexedDB.deleteDatabase(name)
          request.onblocked = () => resolve('blocked')
          request.onsuccess = () => resolve('deleted')
          request.onerror = () => resolve('error')
        })
      }),
  )
  expect(blocked).toBe('deleted')
  await page.context().close()
})

test('a token function is called again before every reconnect', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage()
  await page.addInitScript(installResourceTracker)
  await page.goto(`${server.url}/loop.html`)
  await page.evaluate(async () => {
    const lib = (await import('/weft-editor.js' as string)) as typeof import('@weft/editor')
    let calls = 0
    const host = document.getElementById('host') as HTMLElement
    lib.mountEditor(host, {
      server: '/',
      doc: 'tokens',
      offlineCache: false,
      token: async () => `fresh-${++calls}`,
    })
  })
  const host = page.locator('#host')
  await expect(host).toHaveAttribute('data-weft-synced', 'true')

  // Offline is observed while the server is down: after a quick restart the page may already
  // be back by the time an assertion starts.
  await server.kill()
  await expect(host).toHaveAttribute('data-weft-status', 'offline')
  await server.restart()
  await expect(host).toHaveAttribute('data-weft-synced', 'true')
  await expect(host).toHaveAttribute('data-weft-status', 'connected')
  const urls = await page.evaluate(
    () => (window as unknown as { resources: () => Resources }).resources().socketUrls,
  )
  // The first socket used the first token; every later attempt asked for a new one.
  expect(urls[0]).toContain('token=fresh-1')
  expect(urls.length).toBeGreaterThan(1)
  expect(urls.at(-1)).toContain(`token=fresh-${urls.length}`)
  await page.context().close()
})
