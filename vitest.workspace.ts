/**
 * The test projects, one per package. Vitest 4 no longer reads this file by itself;
 * `vitest.config.ts` imports the list into `test.projects`.
 */
import { fileURLToPath } from 'node:url'

const alias = {
  '@tributary/core': fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)),
  '@tributary/testing': fileURLToPath(new URL('./packages/testing/src/index.ts', import.meta.url)),
}

const project = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, include, testTimeout: 60_000, hookTimeout: 60_000, ...extra },
})

export default [
  project('core', ['packages/core/test/**/*.test.ts']),
  project('testing', ['packages/testing/test/**/*.test.ts']),
  project('examples', ['examples/test/**/*.test.ts']),
]
