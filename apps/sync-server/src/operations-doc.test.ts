/**
 * `docs/OPERATIONS.md` stays true: every metric family a real server exports is documented,
 * and the example alert rules name only metrics that exist.
 */
import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { Cleanup, startServer } from './test-support/harness.js'
import { scrape } from './test-support/prometheus-text.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const doc = () => readFile(new URL('../../../docs/OPERATIONS.md', import.meta.url), 'utf8')

describe('docs/OPERATIONS.md', () => {
  it('documents every exported metric family, and its alert rules use real names', async () => {
    const text = await doc()
    const { httpUrl } = await startServer(cleanup, {}, { processMetrics: true })
    const exported = await scrape(httpUrl)
    for (const [name, family] of exported.families) {
      expect(text.includes(`\`${name}\``), `${name} is not documented`).toBe(true)
      // Server families are in a table row with their type.
      if (!/^weft_(nodejs|process)_/.test(name)) {
        expect(text).toMatch(new RegExp(`^\\| \`${name}\` +\\| ${family.type} +\\|`, 'm'))
      }
    }
    const rules = /```yaml\n([\s\S]*?)```/.exec(text)?.[1] ?? ''
    const names = rules.match(/\bweft_[a-z0-9_]+/g) ?? []
    expect(new Set(names).size).toBeGreaterThanOrEqual(9)
    for (const name of names) expect(exported.seriesNames.has(name), name).toBe(true)
    // Every documented weft_ name exists (no stale names).
    for (const name of new Set(text.match(/`(weft_[a-z0-9_]+)`/g) ?? [])) {
      const bare = name.slice(1, -1)
      expect(exported.seriesNames.has(bare), `${bare} is documented but not exported`).toBe(true)
    }
  })
})
