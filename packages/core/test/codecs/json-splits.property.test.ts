/**
 * A JSON Lines file read in byte-range splits (as workers read a large file) gives, split
 * after split, the rows and malformed records of the whole file read at once, with their
 * line numbers in the whole file, wherever the cuts fall (inside a line, a multi-byte
 * character, on a line end).
 */
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { schema } from '../../src/index.js'
import { Options } from '../../src/util/options.js'
import { tempDir } from '../helpers.js'

const s = schema({ id: 'long', name: 'string', _corrupt_record: 'string' })

const line = fc.oneof(
  fc
    .record({ id: fc.integer(), name: fc.string({ maxLength: 6, unit: 'grapheme' }) })
    .map((r) => JSON.stringify(r)),
  fc.constantFrom('', '   ', '{"id": 1, "name": "é€😀"}', '{broken', '{"id": "x"}', '[1,2]'),
)

describe('JSON Lines in splits', () => {
  it('the splits, in order, read as the whole file: rows, malformed records and their lines', async () => {
    const dir = tempDir()
    let n = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.constantFrom('PERMISSIVE', 'DROPMALFORMED'),
        async (lines, trailingNewline, cuts, mode) => {
          const file = path.join(dir, `f${n++}.json`)
          const bytes = Buffer.from(lines.join('\n') + (trailingNewline ? '\n' : ''))
          writeFileSync(file, bytes)
          const options = new Options({ mode, columnNameOfCorruptRecord: '_corrupt_record' })
          const whole = await jsonFormat.read(file, s, options)
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
          const bounds = [0, ...points.filter((p) => p > 0), Number.MAX_SAFE_INTEGER]
          const rows: unknown[] = []
          const letters: unknown[] = []
          let dropped = 0
          for (let i = 0; i + 1 < bounds.length; i++) {
            const part = await jsonFormat.readRange!(
              file,
              { start: bounds[i], end: bounds[i + 1] },
              s,
              options,
            )
            rows.push(...part.batch.toRows())
            letters.push(...(part.deadLetters ?? []))
            dropped += part.droppedMalformed
          }
          expect(rows).toEqual(whole.batch.toRows())
          expect(letters).toEqual(whole.deadLetters ?? [])
          expect(dropped).toBe(whole.droppedMalformed)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('a file with a \\r is read whole by its first split', async () => {
    const file = path.join(tempDir(), 'crlf.json')
    writeFileSync(file, '{"id":1}\r\n{"id":2}\r\n{"id":3}\r\n')
    const options = new Options({})
    const first = await jsonFormat.readRange!(file, { start: 0, end: 10 }, s, options)
    const second = await jsonFormat.readRange!(file, { start: 10, end: Number.MAX_SAFE_INTEGER }, s, options)
    expect(first.batch.toRows().map((r) => (r as { id: number }).id)).toEqual([1, 2, 3])
    expect(second.batch.numRows).toBe(0)
  })
})
