// Sums the JSON reports of every test runner (vitest: one per workspace; Playwright: one)
// into the closing "N passed, N failed" line. Exits 1 when something failed or nothing ran.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
let passed = 0
let failed = 0
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  if (report.stats !== undefined) {
    // Playwright: "expected" passed, "unexpected" failed, "flaky" passed on retry.
    passed += (report.stats.expected ?? 0) + (report.stats.flaky ?? 0)
    failed += report.stats.unexpected ?? 0
  } else {
    // Vitest (Jest-compatible): a file that failed to load counts as one failure.
    passed += report.numPassedTests ?? 0
    failed +=
      (report.numFailedTests ?? 0) +
      (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0)
  }
  console.log(
    `ci: ${file}: ${JSON.stringify(report.stats ?? { passed: report.numPassedTests, failed: report.numFailedTests })}`,
  )
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
