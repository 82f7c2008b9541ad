/** Writes `docs/CONFIG.md` from the option schema (`npm run docs -w @weft/sync-server`). */
import { writeFile } from 'node:fs/promises'
import { renderConfigDoc } from './render-docs.js'

const target = new URL('../../../../docs/CONFIG.md', import.meta.url)
await writeFile(target, renderConfigDoc())
process.stdout.write(`wrote ${target.pathname}\n`)
