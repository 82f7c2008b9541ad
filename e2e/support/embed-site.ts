/**
 * A plain static site for embedding tests: the single-file `<weft-editor>` script and CSS
 * copied next to hand-written HTML pages, served by a real weft-server as its static dir.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ELEMENT_DIR } from './weft-server.js'

/** A temp directory with the element bundle and `pages` (file name → HTML). */
export async function createEmbedSite(
  pages: Record<string, string>,
): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-embed-'))
  for (const file of ['weft-editor.js', 'weft-editor.css']) {
    await copyFile(join(ELEMENT_DIR, file), join(dir, file))
  }
  for (const [name, html] of Object.entries(pages)) await writeFile(join(dir, name), html)
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) }
}
