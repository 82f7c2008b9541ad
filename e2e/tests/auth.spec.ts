/**
 * Authentication in the browser: a token that expires on a live socket is renewed through
 * the editor's token function, and editing goes on.
 */
import { createToken } from '@weft/sync-server'
import { createEmbedSite } from '../support/embed-site.js'
import { expect, test } from '../support/fixtures.js'
import { startWeftServer, type WeftServer } from '../support/weft-server.js'

const SECRET = 'e2e-secret-that-is-at-least-32-bytes-long'

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="stylesheet" href="/weft-editor.css"></head>
<body><div id="host"></div></body>
</html>
`

let server: WeftServer
let site: Awaited<ReturnType<typeof createEmbedSite>>

test.beforeAll(async () => {
  site = await createEmbedSite({ 'auth.html': PAGE })
  server = await startWeftServer(site.dir, ['--auth-secret', SECRET])
})

test.afterAll(async () => {
  await server.dispose()
  await site.dispose()
})

test('an expiring token is renewed by the token function and editing goes on', async ({
  browser,
}) => {
  const page = await (await browser.newContext()).newPage()
  const issued: string[] = []
  // Tokens live 2 s (expiry has second resolution: the server closes the socket with 4401
  // between 1 and 2 s after each one was issued).
  await page.exposeFunction('mintToken', async () => {
    const token = await createToken({
      key: SECRET,
      user: 'ada',
      name: 'Ada',
      doc: 'expiring',
      access: 'write',
      ttlSeconds: 2,
    })
    issued.push(token)
    return token
  })
  await page.goto(`${server.url}/auth.html`)
  await page.evaluate(async () => {
    const lib = (await import('/weft-editor.js' as string)) as typeof import('@weft/editor')
    const mint = (window as unknown as { mintToken: () => Promise<string> }).mintToken
    lib.mountEditor(document.getElementById('host') as HTMLElement, {
      server: '/',
      doc: 'expiring',
      offlineCache: false,
      token: () => mint(),
    })
  })
  const host = page.locator('#host')
  await expect(host).toHaveAttribute('data-weft-synced', 'true')
  await page.locator('#host .ProseMirror').click()
  await page.keyboard.type('before expiry')

  // Two expiries later, the editor is still connected with a fresh token and in sync.
  await expect.poll(() => issued.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3)
  await expect(host).toHaveAttribute('data-weft-status', 'connected')
  await expect(host).toHaveAttribute('data-weft-synced', 'true')
  await page.keyboard.type(', after')
  await expect(host).toHaveAttribute('data-weft-unconfirmed', '0')

  // Another reader with its own token sees both edits: they reached the server.
  const reader = await (await browser.newContext()).newPage()
  const readToken = await createToken({
    key: SECRET,
    user: 'bo',
    doc: 'expiring',
    access: 'read',
    ttlSeconds: 600,
  })
  await reader.goto(`${server.url}/auth.html`)
  await reader.evaluate(async (token) => {
    const lib = (await import('/weft-editor.js' as string)) as typeof import('@weft/editor')
    lib.mountEditor(document.getElementById('host') as HTMLElement, {
      server: '/',
      doc: 'expiring',
      offlineCache: false,
      readOnly: true,
      token,
    })
  }, readToken)
  await expect(reader.locator('#host .ProseMirror')).toHaveText('before expiry, after')
  await page.context().close()
  await reader.context().close()
})
