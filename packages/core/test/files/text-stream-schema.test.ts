/**
 * Spark's text source needs no schema: a streaming `text` source without one reads
 * `value: string` (plus partition columns), as a batch one does (issue #17). Other file
 * formats still ask for a schema when streaming.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { AnalysisError } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

describe('streaming text source without a schema', () => {
  it('reads one value: string row per line, typed so', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'a.txt'), 'first line\nsecond line\n')
    const session = newSession()
    const lines = session.readStream.text(dir)
    expectTypeOf(lines.where(lines.col('value').contains('second'))).toEqualTypeOf<typeof lines>()
    expect(lines.schema.simpleString()).toBe('struct<value:string>')
    const q = await lines.writeStream.format('memory').queryName('lines').start()
    await q.processAllAvailable()
    writeFileSync(path.join(dir, 'b.txt'), 'third line\n')
    await q.processAllAvailable()
    await q.stop()
    const rows = await session.table('lines').collect()
    expect(rows.map((r) => r.value).sort()).toEqual(['first line', 'second line', 'third line'])
  })

  it('adds the partition columns of the folder names', async () => {
    const dir = tempDir()
    mkdirSync(path.join(dir, 'day=2026-12-07'))
    writeFileSync(path.join(dir, 'day=2026-12-07', 'a.txt'), 'x\n')
    const df = newSession().readStream.format('text').load(dir)
    expect(df.schema.names).toEqual(['value', 'day'])
  })

  it('still asks for a schema for json', () => {
    const dir = tempDir()
    expect(() => newSession().readStream.json(dir)).toThrow(AnalysisError)
    expect(() => newSession().readStream.json(dir)).toThrow(/STREAMING_SCHEMA_REQUIRED/)
  })
})
