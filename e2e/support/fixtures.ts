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
