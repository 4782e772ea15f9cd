#!/usr/bin/env node
// The `tributary` command. An installed package runs its compiled dist/; inside the
// repository (no build yet) it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs'

const dist = new URL('../dist/cli/main.js', import.meta.url)
let cli
if (existsSync(dist)) cli = await import(dist.href)
else {
  const { register } = await import('tsx/esm/api')
  register()
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href)
}
process.exitCode = await cli.main(process.argv.slice(2))
