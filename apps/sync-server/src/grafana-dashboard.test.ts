/**
 * The Grafana dashboard in `deploy/grafana/`: valid JSON with a data-source variable, and
 * every query names only metrics a real server exports — and every server metric family is
 * on some panel.
 */
import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { Cleanup, connectClient, startServer, synced } from './test-support/harness.js'
import { scrape } from './test-support/prometheus-text.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const DASHBOARD = new URL('../../../deploy/grafana/weft-dashboard.json', import.meta.url)

interface Panel {
  type: string
  title: string
  datasource?: { uid?: string }
  targets?: { expr: string; datasource?: { uid?: string } }[]
  panels?: Panel[]
}

/** Grafana's reference to the `datasource` variable. */
const DATASOURCE_VARIABLE = ['$', '{datasource}'].join('')

const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])])

describe('Grafana dashboard', () => {
  it('queries only metrics the server exports, and shows every server family', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      title: string
      uid: string
      panels: Panel[]
      templating: { list: { name: string; type: string; query: unknown }[] }
    }
    expect(dashboard.title).toBe('Weft sync server')
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    )

    const { httpUrl, wsUrl } = await startServer(cleanup, {}, { processMetrics: true })
    const client = connectClient(cleanup, wsUrl, 'dashboard')
    await synced(client)
    const exported = await scrape(httpUrl)

    const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row')
    expect(panels.length).toBeGreaterThan(20)
    const used = new Set<string>()
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_VARIABLE)
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe(DATASOURCE_VARIABLE)
        const names = target.expr.match(/\bweft_[a-z0-9_]+/g) ?? []
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0)
        for (const name of names) {
          expect(exported.seriesNames.has(name), `${panel.title}: ${name}`).toBe(true)
          used.add(name)
        }
        // Counters are shown as rates, never as raw totals.
        for (const counter of target.expr.match(/\bweft_[a-z0-9_]+_total\b/g) ?? []) {
          expect(target.expr, `${panel.title}: ${counter}`).toMatch(
            new RegExp(`(rate|increase)\\(${counter}\\b`),
          )
        }
      }
    }
    const usedFamilies = new Set([...used].map((name) => name.replace(/_(bucket|sum|count)$/, '')))
    for (const [name] of exported.families) {
      if (/^weft_(nodejs|process)_/.test(name)) continue
      expect(usedFamilies.has(name), `no panel shows ${name}`).toBe(true)
    }
  })
})
