/**
 * Offline editing: one browser loses the network, both keep writing, and once it is back
 * both have everything. The status says offline with the pending count, then saved.
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

test('edits made offline converge when the network is back', async ({ browser, server }) => {
  const alice = await contextAs(browser, ALICE)
  const bob = await contextAs(browser, BOB)
  const pageA = await openDoc(alice, server, 'offline')
  const pageB = await openDoc(bob, server, 'offline')

  await editorOf(pageA).click()
  await pageA.keyboard.type('Online line')
  await pageA.keyboard.press('Enter')
  await expect.poll(() => blocksOf(pageB)).toEqual(['Online line', ''])

  await alice.setOffline(true)
  await expect(pageA.locator('#editor')).toHaveAttribute('data-weft-status', 'offline')
  await pageA.keyboard.insertText('Alice, offline')
  await expect(pageA.locator('.status-pill')).toHaveText(/^Offline — \d+ changes? pending$/)
  await expect(pageA.locator('#editor')).toHaveAttribute('data-weft-synced', 'false')

  await editorOf(pageB).click()
  await pageB.keyboard.press('Control+Home')
  await pageB.keyboard.press('End')
  await pageB.keyboard.insertText(', edited by Bob meanwhile')
  await expectSaved(pageB)
  // Bob's change is confirmed by the server, and Alice's offline line has not arrived.
  expect(await blocksOf(pageB)).toEqual(['Online line, edited by Bob meanwhile', ''])
  expect(await blocksOf(pageA)).toEqual(['Online line', 'Alice, offline'])

  await alice.setOffline(false)
  await expectSaved(pageA)
  const merged = ['Online line, edited by Bob meanwhile', 'Alice, offline']
  await expect.poll(() => blocksOf(pageA)).toEqual(merged)
  await expect.poll(() => blocksOf(pageB)).toEqual(merged)
  await alice.close()
  await bob.close()
})
