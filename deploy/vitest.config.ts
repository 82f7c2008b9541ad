import { defineConfig } from 'vitest/config'
import { reporters } from '../vitest.reporters.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes (weft-server, nginx, npm): generous, finite; the image build sets its own.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: reporters('deploy'),
  },
})
