#!/usr/bin/env node
// The `tributary` command. An installed package runs its compiled dist/; inside the
// repository before a build (or with TRIBUTARY_CLI_FROM_SOURCE=1, as the tests do, so that a
// stale build is never what they check) it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs'

const dist = new URL('../dist/cli/main.js', import.meta.url)
let cli
if (existsSync(dist) && process.env.TRIBUTARY_CLI_FROM_SOURCE !== '1') cli = await import(dist.href)
else {
  const { register } = await import('tsx/esm/api')
  register()
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href)
}
process.exitCode = await cli.main(process.argv.slice(2))
