import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const coreIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/index.ts')

/** Runs an ES module snippet in a fresh Node process (V8 natives on) and returns its output. */
function runFresh(code: string): string {
  return execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', code],
    { encoding: 'utf8', cwd: path.dirname(coreIndex) },
  ).trim()
}

describe('apache-arrow is loaded on first use', () => {
  it('importing the engine leaves V8 fast paths for arrays on; writing an Arrow table loads it', () => {
    // apache-arrow's module code sets Symbol.isConcatSpreadable on its prototypes, which
    // switches V8's fast Array.prototype.concat off for the whole process.
    const out = runFresh(`
      const core = await import(${JSON.stringify(coreIndex)})
      const before = %IsConcatSpreadableProtector()
      let error = ''
      const batch = core.ColumnarBatch.fromRows(core.schema({ n: 'long' }), [{ n: 1 }])
      try { batch.toArrow() } catch (e) { error = e.code }
      await core.loadArrow()
      const table = batch.toArrow()
      console.log(JSON.stringify({ before, error, rows: table.numRows, after: %IsConcatSpreadableProtector() }))
    `)
    expect(JSON.parse(out)).toEqual({ before: true, error: 'ARROW_NOT_LOADED', rows: 1, after: false })
  })
})
