/**
 * The web app on a server with authentication on: a link with a token in its fragment opens
 * the document, the token leaves the address bar (so Share does not pass it on), the History
 * panel's requests carry it, and a reload keeps it for the session. Without a token the page
 * says it is not signed in.
 */
import { createToken } from '@weft/sync-server'
import { ALICE, contextAs, editorOf, expect, expectSaved, test } from '../support/fixtures.js'
import { startWeftServer, type WeftServer } from '../support/weft-server.js'

const SECRET = 'e2e-app-secret-that-is-at-least-32-bytes'

let server: WeftServer

test.beforeAll(async () => {
  server = await startWeftServer(undefined, ['--auth-secret', SECRET])
})

test.afterAll(async () => {
  await server.dispose()
})

test('a token link opens the document; without a token the page says why it cannot', async ({
  browser,
}) => {
  const token = await createToken({
    key: SECRET,
    user: 'alice',
    name: 'Alice Adams',
    doc: 'guarded',
    access: 'write',
    ttlSeconds: 600,
  })
  const alice = await contextAs(browser, ALICE)
  const page = await alice.newPage()
  await page.goto(`${server.url}/d/guarded#token=${token}`)
  await expectSaved(page)
  expect(page.url()).toBe(`${server.url}/d/guarded`)
  await editorOf(page).click()
  await page.keyboard.type('Only for the invited.')
  await expectSaved(page)

  // The REST API needs the token too: saving a version works from the panel.
  await page.getByRole('button', { name: 'History', exact: true }).click()
  const panel = page.getByRole('dialog', { name: 'Version history' })
  await panel.getByLabel('Label for a new version').fill('Invited')
  await panel.getByRole('button', { name: 'Save version' }).click()
  await expect(panel.locator('.version__title')).toHaveText(['Invited'])

  // A reload in the same tab keeps the token for the session.
  await page.reload()
  await expectSaved(page)
  await expect(editorOf(page)).toHaveText('Only for the invited.')

  // Someone with the bare link gets no access, and is told so.
  const stranger = await (await browser.newContext()).newPage()
  await stranger.goto(`${server.url}/d/guarded`)
  await expect(stranger.locator('#editor')).toHaveAttribute('data-weft-refusal', '4401')
  await expect(stranger.locator('.status-pill')).toHaveText('Not signed in')
  await expect(editorOf(stranger)).not.toContainText('invited')
  await alice.close()
})
