/**
 * Version history in the app: two people edit, one saves a version, both edit more, the
 * version is previewed and restored, and both editors show the restored text. The panel is
 * also used at 375 px wide; screenshots of both are kept with the test results.
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

test('edit, save a version, edit more, restore: both browsers show the restored text', async ({
  browser,
  server,
}, testInfo) => {
  const alice = await contextAs(browser, ALICE, { viewport: { width: 1280, height: 800 } })
  const bob = await contextAs(browser, BOB, { viewport: { width: 375, height: 740 } })
  const pageA = await openDoc(alice, server, 'history')
  const pageB = await openDoc(bob, server, 'history')

  await editorOf(pageA).click()
  await pageA.keyboard.type('# Plan')
  await pageA.keyboard.press('Enter')
  await pageA.keyboard.type('Ship the editor on Friday.')
  await expect.poll(() => blocksOf(pageB)).toEqual(['Plan', 'Ship the editor on Friday.'])
  await expectSaved(pageA)

  // Alice saves a version with a label.
  await pageA.getByRole('button', { name: 'History', exact: true }).click()
  const panelA = pageA.getByRole('dialog', { name: 'Version history' })
  await expect(panelA).toBeVisible()
  await panelA.getByLabel('Label for a new version').fill('Friday plan')
  await panelA.getByRole('button', { name: 'Save version' }).click()
  await expect(panelA.locator('.version__title')).toHaveText(['Friday plan'])
  await panelA.getByRole('button', { name: 'Close history' }).click()
  await expect(panelA).toBeHidden()

  // Both edit more.
  await editorOf(pageB).click()
  await pageB.keyboard.press('Control+End')
  await pageB.keyboard.type(' Or maybe next month.')
  await editorOf(pageA).click()
  await pageA.keyboard.press('Control+End')
  await pageA.keyboard.press('Enter')
  await pageA.keyboard.type('Nobody agrees.')
  const edited = ['Plan', 'Ship the editor on Friday. Or maybe next month.', 'Nobody agrees.']
  await expect.poll(() => blocksOf(pageA)).toEqual(edited)
  await expect.poll(() => blocksOf(pageB)).toEqual(edited)
  await expectSaved(pageA)
  await expectSaved(pageB)

  // Bob, on a phone-sized screen, previews the version and restores it.
  await pageB.screenshot({ path: testInfo.outputPath('editor-mobile.png') })
  await pageB.getByRole('button', { name: 'History', exact: true }).click()
  const panelB = pageB.getByRole('dialog', { name: 'Version history' })
  await expect(panelB.locator('.version__title')).toHaveText(['Friday plan'])
  await pageB.screenshot({ path: testInfo.outputPath('history-list-mobile.png') })
  await panelB.getByRole('button', { name: /Friday plan/ }).click()
  const preview = panelB.getByLabel('Version content').locator('.ProseMirror')
  await expect(preview).toHaveText('PlanShip the editor on Friday.')
  await expect(preview).toHaveAttribute('contenteditable', 'false')
  await expect(preview.locator('h1')).toHaveText('Plan')
  await pageB.screenshot({ path: testInfo.outputPath('history-preview-mobile.png') })
  // The panel fits the small screen: nothing sticks out sideways.
  const box = await panelB.boundingBox()
  expect(box?.x).toBe(0)
  expect(box?.width).toBe(375)

  await panelB.getByRole('button', { name: 'Restore this version' }).click()
  await expect(panelB.getByRole('status').first()).toContainText('Restored “Friday plan”')
  const restored = ['Plan', 'Ship the editor on Friday.']
  await expect.poll(() => blocksOf(pageA)).toEqual(restored)
  await expect.poll(() => blocksOf(pageB)).toEqual(restored)
  // What the restore replaced was kept as a version, above the restored one.
  await expect(panelB.locator('.version__title')).toHaveText([
    'Before restoring version 1',
    'Friday plan',
  ])

  // On the desktop the panel is a drawer beside the document.
  await pageA.getByRole('button', { name: 'History', exact: true }).click()
  await expect(panelA.locator('.version__title')).toHaveText([
    'Before restoring version 1',
    'Friday plan',
  ])
  await pageA.screenshot({ path: testInfo.outputPath('history-list-desktop.png') })

  // Reloading shows the restored text: it was stored.
  await pageA.reload()
  await expectSaved(pageA)
  await expect.poll(() => blocksOf(pageA)).toEqual(restored)
  await alice.close()
  await bob.close()
})
