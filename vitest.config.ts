import { defineConfig } from 'vitest/config'
import projects from './vitest.workspace'

export default defineConfig({
  test: {
    projects,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.tmp/vitest-report.json' },
  },
})
