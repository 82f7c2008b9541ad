/**
 * What is saved stays saved: across a reload, and across a server killed with SIGKILL and
 * started again, after which the open page reconnects by itself.
 */
import {
  ALICE,
  BOB,
  blocksOf,
  contextAs,
  editorOf,
  expect,
  expectSaved,
  openDoc,
  test,
} from '../support/fixtures.js'

test('reload keeps the content', async ({ browser, server }) => {
  const alice = await contextAs(browser, ALICE)
  const page = await openDoc(alice, server, 'reload')
  await editorOf(page).click()
  await page.keyboard.type('## Kept across reloads')
  await page.keyboard.press('Enter')
  await page.keyboard.type('Second line.')
  await expectSaved(page)

  await page.reload()
  await expectSaved(page)
  await expect.poll(() => blocksOf(page)).toEqual(['Kept across reloads', 'Second line.'])
  await expect(editorOf(page).locator('h2')).toHaveText('Kept across reloads')
  await alice.close()
})

test('a killed and restarted server keeps the content; the page reconnects', async ({
  browser,
  server,
}) => {
  const alice = await contextAs(browser, ALICE)
  const page = await openDoc(alice, server, 'restart')
  await editorOf(page).click()
  await page.keyboard.type('Written before the crash.')
  // "Saved" means the server confirmed the change durable (persist before relay).
  await expectSaved(page)

  await server.kill()
  await expect(page.locator('#editor')).toHaveAttribute('data-weft-status', 'offline')
  await expect(page.locator('.status-pill')).toHaveText('Offline')

  await server.restart()
  await expectSaved(page)
  await page.keyboard.type(' And after it.')
  await expectSaved(page)

  // A new browser, with no offline cache, gets everything from the restarted server.
  const bob = await contextAs(browser, BOB)
  const pageB = await openDoc(bob, server, 'restart')
  await expect.poll(() => blocksOf(pageB)).toEqual(['Written before the crash. And after it.'])
  await alice.close()
  await bob.close()
})

test('a document deleted while open says so, instead of "Offline"', async ({ browser, server }) => {
  const alice = await contextAs(browser, ALICE)
  const page = await openDoc(alice, server, 'doomed')
  await editorOf(page).click()
  await page.keyboard.type('Short-lived.')
  await expectSaved(page)

  const res = await fetch(`${server.url}/api/docs/doomed`, { method: 'DELETE' })
  expect(res.status).toBe(204)
  // The server closes the socket with 4410 (permanent): the page shows why, not "Offline".
  await expect(page.locator('#editor')).toHaveAttribute('data-weft-refusal', '4410')
  await expect(page.locator('#editor')).toHaveAttribute('data-weft-status', 'offline')
  await expect(page.locator('.status-pill')).toHaveText('Deleted')
  await alice.close()
})
