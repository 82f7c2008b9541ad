// Shared by every workspace's vitest.config.ts. When WEFT_TEST_REPORT_DIR is set (by
// .ci/run), each workspace also writes a JSON report there, which .ci/run sums into its
// closing "N passed, N failed" line.
import { join } from 'node:path'

/** @param {string} name workspace name, used as the report's file name */
export function reporters(name) {
  const dir = process.env.WEFT_TEST_REPORT_DIR
  if (!dir) return ['default']
  return ['default', ['json', { outputFile: join(dir, `vitest-${name}.json`) }]]
}
