/** Test fixtures: a fresh server per test, and helpers to open the editor as a person. */
import {
  type BrowserContext,
  test as base,
  expect,
  type Locator,
  type Page,
} from '@playwright/test'
import { startWeftServer, type WeftServer } from './weft-server.js'

/** Who a browser context is: stored where the app reads it before it starts. */
export interface Person {
  readonly id: string
  readonly name: string
  readonly color: string
}

export const ALICE: Person = { id: 'alice', name: 'Alice Adams', color: '#1f6feb' }
export const BOB: Person = { id: 'bob', name: 'Bob Brown', color: '#cf222e' }

export const test = base.extend<{ server: WeftServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument
  server: async ({}, use) => {
    const server = await startWeftServer()
    await use(server)
    await server.dispose()
  },
})

export { expect }

/** A context whose app identity is `person`. */
export async function contextAs(
  browser: import('@playwright/test').Browser,
  person: Person,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options.viewport ? { viewport: options.viewport } : {})
  await context.addInitScript((identity) => {
    if (window.localStorage.getItem('weft:identity') === null) {
      window.localStorage.setItem('weft:identity', JSON.stringify(identity))
    }
  }, person)
  return context
}

/** Open `/d/<doc>` and wait until the editor is connected and synced. */
export async function openDoc(
  context: BrowserContext,
  server: Pick<WeftServer, 'url'>,
  doc: string,
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${server.url}/d/${encodeURIComponent(doc)}`)
  await expectSaved(page)
  return page
}

/** The editable area. */
export const editorOf = (page: Page): Locator => page.locator('#editor .ProseMirror')

/** Wait for the app's status to be connected, synced and "Saved". */
export async function expectSaved(page: Page): Promise<void> {
  const host = page.locator('#editor')
  await expect(host).toHaveAttribute('data-weft-status', 'connected')
  await expect(host).toHaveAttribute('data-weft-synced', 'true')
  await expect(page.locator('.status-pill')).toHaveText('Saved')
}

/** The text of each block of the editor, in order, without other people's cursor labels. */
export function blocksOf(page: Page): Promise<string[]> {
  return editorOf(page)
    .locator(':scope > *')
    .evaluateAll((nodes) =>
      nodes.map((node) => {
        const copy = node.cloneNode(true) as Element
        for (const cursor of copy.querySelectorAll('.weft-cursor')) cursor.remove()
        return copy.textContent ?? ''
      }),
    )
}

/**
 * Put `page`'s caret at the end of block `index` (0-based) and wait until `watcher` shows it
 * there. Home, End and the arrows move the browser's selection first and ProseMirror reads it
 * a moment later; a transaction in between (the cursor plugin redrawing a peer's caret that
 * just moved) puts the caret back where it was. That race is ProseMirror's and y-prosemirror's
 * and rare by hand, but a test moving two carets at once hits it: so the keys are pressed
 * again until the other browser draws the caret in that block — then the editor's own state
 * holds it, and typing goes where the test means.
 */
export async function caretToBlockEnd(page: Page, index: number, watcher: Page): Promise<void> {
  const block = editorOf(watcher).locator(':scope > *').nth(index)
  await expect(async () => {
    await page.keyboard.press('Control+Home')
    for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown')
    await page.keyboard.press('End')
    await expect(block.locator('.weft-cursor')).toHaveCount(1, { timeout: 2000 })
  }).toPass()
}
