/**
 * Two people in one document: concurrent typing converges, each sees the other's named
 * cursor and avatar, and a closed tab leaves no ghost cursor behind.
 */
import {
  ALICE,
  BOB,
  blocksOf,
  caretToBlockEnd,
  contextAs,
  editorOf,
  expect,
  expectSaved,
  openDoc,
  test,
} from '../support/fixtures.js'

test('concurrent typing in two browsers converges', async ({ browser, server }) => {
  const alice = await contextAs(browser, ALICE)
  const bob = await contextAs(browser, BOB)
  const pageA = await openDoc(alice, server, 'converge')
  const pageB = await openDoc(bob, server, 'converge')

  // Two paragraphs to type into, known to both before the race starts.
  await editorOf(pageA).click()
  await pageA.keyboard.type('first')
  await pageA.keyboard.press('Enter')
  await pageA.keyboard.type('second')
  await expect.poll(() => blocksOf(pageB)).toEqual(['first', 'second'])

  await editorOf(pageB).click()
  await caretToBlockEnd(pageB, 1, pageA)
  await caretToBlockEnd(pageA, 0, pageB)
  await Promise.all([
    pageA.keyboard.type(' typed by Alice while Bob types', { delay: 15 }),
    pageB.keyboard.type(' typed by Bob while Alice types', { delay: 15 }),
  ])

  const expected = ['first typed by Alice while Bob types', 'second typed by Bob while Alice types']
  await expect.poll(() => blocksOf(pageA)).toEqual(expected)
  await expect.poll(() => blocksOf(pageB)).toEqual(expected)
  await alice.close()
  await bob.close()
})

test('each sees the other’s cursor by name; a closed tab’s cursor disappears', async ({
  browser,
  server,
}, testInfo) => {
  const alice = await contextAs(browser, ALICE, { viewport: { width: 1280, height: 800 } })
  const bob = await contextAs(browser, BOB, { viewport: { width: 375, height: 740 } })
  const pageA = await openDoc(alice, server, 'cursors')
  const pageB = await openDoc(bob, server, 'cursors')

  await editorOf(pageA).click()
  await pageA.keyboard.type('# Meeting notes')
  await pageA.keyboard.press('Enter')
  await pageA.keyboard.type('Agenda: ship the editor.')
  await editorOf(pageB).click()
  await pageB.keyboard.press('Control+End')
  await pageB.keyboard.type(' Agreed!')

  // Names are rendered from the presence state, as text.
  await expect(pageA.locator('.weft-cursor')).toHaveCount(1)
  await expect(pageA.locator('.weft-cursor__label')).toHaveText(BOB.name)
  await expect(pageB.locator('.weft-cursor')).toHaveCount(1)
  await expect(pageB.locator('.weft-cursor__label')).toHaveText(ALICE.name)
  // The avatars list the other person, with the name on hover.
  await expect(pageA.locator('.avatars .avatar')).toHaveAttribute('title', BOB.name)
  await expect(pageB.locator('.avatars .avatar')).toHaveAttribute('title', ALICE.name)

  // Screenshots of both views, kept with the test results.
  await pageA.screenshot({ path: testInfo.outputPath('editor-two-users-desktop.png') })
  await pageB.screenshot({ path: testInfo.outputPath('editor-two-users-mobile.png') })

  await pageB.close()
  await expect(pageA.locator('.weft-cursor')).toHaveCount(0)
  await expect(pageA.locator('.avatars .avatar')).toHaveCount(0)
  await alice.close()
  await bob.close()
})

test('undo undoes only your own change', async ({ browser, server }) => {
  const alice = await contextAs(browser, ALICE)
  const bob = await contextAs(browser, BOB)
  const pageA = await openDoc(alice, server, 'undo')
  const pageB = await openDoc(bob, server, 'undo')

  // Bob writes a line and opens a second one; Alice's only change is her line in it.
  await editorOf(pageB).click()
  await pageB.keyboard.insertText('Bob line')
  await pageB.keyboard.press('Enter')
  await expect.poll(() => blocksOf(pageA)).toEqual(['Bob line', ''])
  await editorOf(pageA).click()
  await pageA.keyboard.press('Control+End')
  await pageA.keyboard.insertText('Alice line')
  await expect.poll(() => blocksOf(pageB)).toEqual(['Bob line', 'Alice line'])
  // Bob changes the document after her.
  await pageB.keyboard.press('Control+Home')
  await pageB.keyboard.press('End')
  await pageB.keyboard.insertText(' and more from Bob')
  await expect.poll(() => blocksOf(pageA)).toEqual(['Bob line and more from Bob', 'Alice line'])

  // Alice's undo takes back her line only, though Bob's change is newer.
  await pageA.keyboard.press('Control+z')
  const undone = ['Bob line and more from Bob', '']
  await expect.poll(() => blocksOf(pageA)).toEqual(undone)
  await expect.poll(() => blocksOf(pageB)).toEqual(undone)
  // Redo brings it back, still leaving Bob's text alone.
  await pageA.keyboard.press('Control+Shift+z')
  await expect.poll(() => blocksOf(pageB)).toEqual(['Bob line and more from Bob', 'Alice line'])
  await alice.close()
  await bob.close()
})

test('your name and colour are editable and remembered', async ({ browser, server }) => {
  const alice = await contextAs(browser, ALICE)
  const bob = await contextAs(browser, BOB)
  const pageA = await openDoc(alice, server, 'identity')
  const pageB = await openDoc(bob, server, 'identity')
  await editorOf(pageB).click()
  await pageB.keyboard.type('Hi')
  await expect(pageA.locator('.weft-cursor__label')).toHaveText(BOB.name)

  await pageB.locator('.identity-button').click()
  await pageB.getByRole('textbox', { name: 'Your name', exact: true }).fill('Robert B.')
  await pageB.getByRole('textbox', { name: 'Your name', exact: true }).press('Enter')
  await expect(pageA.locator('.avatars .avatar')).toHaveAttribute('title', 'Robert B.')
  // Editing the name took the focus, so the cursor went; back in the text it has the new name.
  await editorOf(pageB).click()
  await expect(pageA.locator('.weft-cursor__label')).toHaveText('Robert B.')

  await pageB.reload()
  await expectSaved(pageB)
  await expect(pageB.locator('.identity-button .avatar')).toHaveAttribute('title', 'Robert B.')
  await alice.close()
  await bob.close()
})
