/**
 * Playwright in Debian's Chromium (never `playwright install`). Tests start their own sync
 * server processes on free ports; see support/weft-server.ts. One worker: each page costs
 * about a second on the CI machine, and parallel browsers on two cores make timing flaky.
 */
import { join } from 'node:path'
import { defineConfig, type ReporterDescription } from '@playwright/test'

const reportDir = process.env.WEFT_TEST_REPORT_DIR
const reporter: ReporterDescription[] = [['list']]
if (reportDir) reporter.push(['json', { outputFile: join(reportDir, 'playwright.json') }])

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter,
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
})
