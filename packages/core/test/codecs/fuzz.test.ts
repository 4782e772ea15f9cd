/**
 * Garbage mixed into valid JSON Lines and CSV, under each mode: no exception but
 * MalformedRecordError (and that only under FAILFAST), no record lost or invented.
 * And arbitrary values through a write and a read.
 */
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { csvFormat } from '../../src/formats/codecs/csv.js'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { parquetFormat } from '../../src/formats/codecs/parquet.js'
import type { FileFormat } from '../../src/formats/file-format.js'
import { schema } from '../../src/types/schema.js'
import { MalformedRecordError } from '../../src/util/errors.js'
import { tempDir } from '../helpers.js'
import { options } from './codec-helpers.js'

// CODEC_FUZZ_RUNS=5000 for a longer hunt.
const RUNS = Number(process.env.CODEC_FUZZ_RUNS ?? 150)

type Piece =
  | { kind: 'valid'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }

function toBytes(pieces: readonly Piece[], crlf: boolean): Buffer {
  const sep = Buffer.from(crlf ? '\r\n' : '\n')
  const parts: Buffer[] = []
  for (const p of pieces) {
    parts.push(p.kind === 'bytes' ? Buffer.from(p.bytes) : Buffer.from(p.text, 'utf8'), sep)
  }
  return Buffer.concat(parts)
}

/** Lines as the readers see them: split at \n, \r\n or \r, without the empty piece after the last break. */
function byteLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a && bytes[i] !== 0x0d) continue
    lines.push(bytes.subarray(start, i))
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i++
    start = i + 1
  }
  if (start < bytes.length) lines.push(bytes.subarray(start))
  return lines
}

/** JSON Lines skips lines of JSON whitespace only. */
const jsonBlank = (line: Buffer) => line.every((b) => b === 0x20 || b === 0x09)
/** CSV skips lines that Java's trim() empties: every char (so every byte) at most U+0020. */
const csvBlank = (line: Buffer) => line.every((b) => b <= 0x20)

const garbage: fc.Arbitrary<Piece> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).map((text): Piece => ({ kind: 'text', text })),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((text): Piece => ({ kind: 'text', text })),
  fc.uint8Array({ maxLength: 24 }).map((bytes): Piece => ({ kind: 'bytes', bytes })),
  fc.constantFrom<Piece>(
    { kind: 'text', text: '' },
    { kind: 'text', text: ' \t ' },
    { kind: 'text', text: '{' },
    { kind: 'text', text: '"' },
    { kind: 'text', text: '{"a":"x"}' },
    { kind: 'text', text: '[]' },
    { kind: 'text', text: 'null' },
    { kind: 'text', text: ',,,' },
    { kind: 'text', text: '1,"a' },
  ),
)

const jsonRecord: fc.Arbitrary<Piece> = fc
  .record({ a: fc.integer(), s: fc.string({ unit: 'grapheme', maxLength: 20 }) })
  .map((r): Piece => ({ kind: 'valid', text: JSON.stringify(r) }))

function csvQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

const csvRecord: fc.Arbitrary<Piece> = fc
  .record({
    a: fc.integer(),
    s: fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
  })
  .map((r): Piece => ({ kind: 'valid', text: `${r.a},${csvQuote(r.s)}` }))

const fuzzSchema = schema({ a: 'int', s: 'string', _corrupt_record: 'string' })

interface FuzzCase {
  readonly format: FileFormat
  readonly record: fc.Arbitrary<Piece>
  readonly blank: (line: Buffer) => boolean
}

const cases: Record<string, FuzzCase> = {
  json: { format: jsonFormat, record: jsonRecord, blank: jsonBlank },
  csv: { format: csvFormat, record: csvRecord, blank: csvBlank },
}

const fileContent = (c: FuzzCase) =>
  fc.record({
    pieces: fc.array(fc.oneof({ arbitrary: c.record, weight: 3 }, { arbitrary: garbage, weight: 2 }), {
      maxLength: 30,
    }),
    crlf: fc.boolean(),
  })

for (const [name, c] of Object.entries(cases)) {
  describe(`${name}: garbage mixed into valid records`, () => {
    const fileIn = () => path.join(tempDir('tributary-fuzz-'), `data.${c.format.extension}`)

    it('PERMISSIVE keeps one row per non-blank line, valid records intact, raw text of the rest', async () => {
      const file = fileIn()
      await fc.assert(
        fc.asyncProperty(fileContent(c), async ({ pieces, crlf }) => {
          const bytes = toBytes(pieces, crlf)
          writeFileSync(file, bytes)
          const lines = byteLines(bytes).filter((l) => !c.blank(l))
          const result = await c.format.read(file, fuzzSchema, options())
          expect(result.batch.numRows).toBe(lines.length)
          expect(result.droppedMalformed).toBe(0)
          const rows = result.batch.toRows() as { a: number | null; _corrupt_record: string | null }[]
          const valid = pieces.filter((p) => p.kind === 'valid').length
          expect(rows.filter((r) => r._corrupt_record === null).length).toBeGreaterThanOrEqual(valid)
          rows.forEach((r, i) => {
            if (r._corrupt_record !== null) expect(r._corrupt_record).toBe(new TextDecoder().decode(lines[i]))
          })
        }),
        { numRuns: RUNS },
      )
    })

    it('DROPMALFORMED: rows plus dropped equals non-blank lines', async () => {
      const file = fileIn()
      await fc.assert(
        fc.asyncProperty(fileContent(c), async ({ pieces, crlf }) => {
          const bytes = toBytes(pieces, crlf)
          writeFileSync(file, bytes)
          const lines = byteLines(bytes).filter((l) => !c.blank(l)).length
          const result = await c.format.read(file, fuzzSchema, options({ mode: 'DROPMALFORMED' }))
          expect(result.batch.numRows + result.droppedMalformed).toBe(lines)
          const valid = pieces.filter((p) => p.kind === 'valid').length
          expect(result.batch.numRows).toBeGreaterThanOrEqual(valid)
        }),
        { numRuns: RUNS },
      )
    })

    it('FAILFAST reads everything or throws MalformedRecordError naming the file and a line', async () => {
      const file = fileIn()
      await fc.assert(
        fc.asyncProperty(fileContent(c), async ({ pieces, crlf }) => {
          const bytes = toBytes(pieces, crlf)
          writeFileSync(file, bytes)
          const lines = byteLines(bytes)
          const nonBlank = lines.filter((l) => !c.blank(l)).length
          try {
            const result = await c.format.read(file, fuzzSchema, options({ mode: 'FAILFAST' }))
            expect(result.batch.numRows).toBe(nonBlank)
          } catch (e) {
            expect(e).toBeInstanceOf(MalformedRecordError)
            const m = /, line (\d+)/.exec((e as Error).message)
            expect((e as Error).message).toContain(file)
            expect(m).not.toBeNull()
            const line = Number(m![1])
            expect(line).toBeGreaterThanOrEqual(1)
            expect(line).toBeLessThanOrEqual(lines.length)
            expect(c.blank(lines[line - 1])).toBe(false)
          }
        }),
        { numRuns: RUNS },
      )
    })

    it('inference never throws anything but MalformedRecordError, and only under FAILFAST', async () => {
      const file = fileIn()
      await fc.assert(
        fc.asyncProperty(
          fileContent(c),
          fc.constantFrom('PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'),
          async ({ pieces, crlf }, mode) => {
            writeFileSync(file, toBytes(pieces, crlf))
            try {
              const inferred = c.format.inferSchema([file], options({ mode, inferSchema: true }))
              // Whatever was inferred must read.
              await c.format.read(
                file,
                inferred,
                options({ mode: mode === 'FAILFAST' ? 'PERMISSIVE' : mode }),
              )
            } catch (e) {
              expect(e).toBeInstanceOf(MalformedRecordError)
              expect(mode).toBe('FAILFAST')
            }
          },
        ),
        { numRuns: RUNS },
      )
    })
  })
}

describe('arbitrary values survive a write and a read', () => {
  const s = schema({ s: 'string', i: 'int', d: 'double', b: 'boolean', ts: 'timestamp' })
  const row = fc.record({
    s: fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: null }),
    i: fc.option(fc.integer(), { nil: null }),
    d: fc.option(fc.double(), { nil: null }),
    b: fc.option(fc.boolean(), { nil: null }),
    ts: fc.option(
      fc.date({
        min: new Date('0001-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      { nil: null },
    ),
  })

  it('json', async () => {
    const file = path.join(tempDir('tributary-fuzz-'), 'rt.json')
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), async (rows) => {
        await jsonFormat.write(ColumnarBatch.fromRows(s, rows), file, options())
        const back = await jsonFormat.read(file, s, options({ mode: 'FAILFAST' }))
        expect(back.batch.toRows()).toEqual(rows)
      }),
      { numRuns: RUNS },
    )
  })

  it('csv with multiLine (values may hold line breaks, quotes, separators)', async () => {
    const file = path.join(tempDir('tributary-fuzz-'), 'rt.csv')
    const keepSpaces = { ignoreLeadingWhiteSpace: false, ignoreTrailingWhiteSpace: false }
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), async (rows) => {
        await csvFormat.write(ColumnarBatch.fromRows(s, rows), file, options(keepSpaces))
        const back = await csvFormat.read(file, s, options({ mode: 'FAILFAST', multiLine: true }))
        // CSV reads an empty string as null (it equals the default nullValue), as Spark does.
        expect(back.batch.toRows()).toEqual(rows.map((r) => ({ ...r, s: r.s === '' ? null : r.s })))
      }),
      { numRuns: RUNS },
    )
  })

  it('parquet, nested values included', async () => {
    const file = path.join(tempDir('tributary-fuzz-'), 'rt.parquet')
    const nested = schema({
      l: 'long',
      f: 'float',
      arr: { array: 'string' },
      st: { struct: { x: 'double', when: 'timestamp', day: 'date' } },
      m: { map: 'long' },
    })
    const day = fc.integer({ min: -100_000, max: 100_000 }).map((d) => new Date(d * 86_400_000))
    // hyparquet-writer's dictionaries are keyed by a Map, which does not tell -0 from 0:
    // a column holding both reads back one of them. A known limit, left out here.
    const noNegativeZero = (x: number | null) => (Object.is(x, -0) ? 0 : x)
    const flatRow = row.map((r) => ({ ...r, d: noNegativeZero(r.d) }))
    const nestedRow = fc.record({
      l: fc.option(fc.maxSafeInteger(), { nil: null }),
      f: fc.option(fc.float().map(noNegativeZero), { nil: null }),
      arr: fc.option(
        fc.array(fc.option(fc.string({ unit: 'grapheme', maxLength: 8 }), { nil: null }), { maxLength: 4 }),
        {
          nil: null,
        },
      ),
      st: fc.option(
        fc.record({
          x: fc.option(fc.double().map(noNegativeZero), { nil: null }),
          when: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
          day: fc.option(day, { nil: null }),
        }),
        { nil: null },
      ),
      m: fc.option(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.option(fc.maxSafeInteger(), { nil: null })),
        {
          nil: null,
        },
      ),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(flatRow, { maxLength: 20 }),
        fc.array(nestedRow, { maxLength: 20 }),
        async (flat, deep) => {
          await parquetFormat.write(ColumnarBatch.fromRows(s, flat), file, options())
          expect((await parquetFormat.read(file, s, options())).batch.toRows()).toEqual(flat)
          await parquetFormat.write(ColumnarBatch.fromRows(nested, deep), file, options())
          expect((await parquetFormat.read(file, nested, options())).batch.toRows()).toEqual(deep)
        },
      ),
      { numRuns: RUNS },
    )
  })
})
