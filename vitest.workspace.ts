/**
 * The test projects: one per package that has a `test/` folder, plus the examples.
 * Vitest 4 no longer reads this file by itself; `vitest.config.ts` imports the list into
 * `test.projects`. Packages resolve to their TypeScript sources, as in tsconfig's paths.
 */
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('.', import.meta.url))
const packages = readdirSync(`${root}packages`).filter((p) => existsSync(`${root}packages/${p}/src/index.ts`))

const alias = Object.fromEntries(
  packages.map((p) => [`@tributary/${p}`, `${root}packages/${p}/src/index.ts`]),
)

// Property tests that take 5 s alone have taken over 60 s on a 2-core machine while other
// test files ran worker threads beside them: the limits catch hangs, not slowness.
const project = (name: string, include: string[], maxConcurrency = 5) => ({
  resolve: { alias },
  test: { name, include, testTimeout: 180_000, hookTimeout: 120_000, maxConcurrency },
})

export default [
  ...packages
    .filter((p) => existsSync(`${root}packages/${p}/test`))
    .map((p) => project(p, [`packages/${p}/test/**/*.test.ts`])),
  // Each example is a child process; three at a time keeps a 2-core machine responsive.
  project('examples', ['examples/test/**/*.test.ts'], 3),
]
