import { defineConfig } from 'vitest/config'
import { reporters } from '../vitest.reporters.js'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: reporters('bench'),
  },
})
