/**
 * Values that used to be changed or accepted in silence (issue 13 §5): longs beyond what a
 * double keeps exactly, numbers in timestamp fields, out-of-range instants, day or month
 * 00, offsets beyond ±18:00, an invalid timestampFormat, a CSV header holding a line break.
 * Each is read as Spark reads it, or refused as malformed with a dead letter.
 */
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { csvFormat } from '../../src/formats/codecs/csv.js'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import type { FileFormat } from '../../src/formats/file-format.js'
import { schema } from '../../src/types/schema.js'
import { newSession, tempDir } from '../helpers.js'
import { fileWith, freshPath, options, rejection } from './codec-helpers.js'

async function read(format: FileFormat, text: string, s: ReturnType<typeof schema>, o = {}) {
  const result = await format.read(fileWith(text), s, options(o))
  return {
    rows: result.batch.toRows() as Record<string, unknown>[],
    deadLetters: (result.deadLetters ?? []).map((d) => ({ line: d.position.line, error: d.error })),
  }
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v)

describe('long: exact, or malformed with a dead letter', () => {
  const L = schema({ l: 'long' })

  it('JSON: keeps ±(2^53 − 1), refuses what a double would round and what int64 cannot hold', async () => {
    const { rows, deadLetters } = await read(
      jsonFormat,
      [
        '{"l":9007199254740991}',
        '{"l":-9007199254740991}',
        '{"l":9007199254740993}',
        '{"l":1e20}',
        '{"l":12345678901234567890}',
      ].join('\n'),
      L,
    )
    expect(rows.map((r) => r.l)).toEqual([9007199254740991, -9007199254740991, null, null, null])
    expect(deadLetters.map((d) => d.line)).toEqual([3, 4, 5])
    expect(deadLetters[0].error).toMatch(
      /outside ±9007199254740991 \(2\^53 − 1\).*read the column as string or double/,
    )
  })

  it('CSV: the same rule, including int64 edges that a double cannot tell apart', async () => {
    const { rows, deadLetters } = await read(
      csvFormat,
      ['9007199254740991', '9007199254740993', '12345678901234567890', '-9223372036854775808', '42'].join(
        '\n',
      ),
      L,
    )
    expect(rows.map((r) => r.l)).toEqual([9007199254740991, null, null, null, 42])
    expect(deadLetters.map((d) => d.line)).toEqual([2, 3, 4])
  })

  it('FAILFAST stops at such a value, naming the line', async () => {
    const e = await rejection(
      jsonFormat.read(fileWith('{"l":1}\n{"l":9007199254740993}'), L, options({ mode: 'FAILFAST' })),
    )
    expect(e.message).toMatch(/line 2.*2\^53/)
  })
})

describe('timestamps', () => {
  const T = schema({ t: 'timestamp' })

  it('JSON: a whole number is seconds since the epoch, as in Spark and cast(timestamp)', async () => {
    const { rows, deadLetters } = await read(jsonFormat, '{"t":1705312800}\n{"t":-1}\n{"t":0}', T)
    expect(rows.map((r) => iso(r.t))).toEqual([
      '2024-01-15T10:00:00.000Z',
      '1969-12-31T23:59:59.000Z',
      '1970-01-01T00:00:00.000Z',
    ])
    expect(deadLetters).toEqual([])
  })

  it('JSON: a microsecond epoch, 1e300 or one past the range is null with a dead letter, not year 57971', async () => {
    const { rows, deadLetters } = await read(
      jsonFormat,
      [
        '{"t":1705312800000000}',
        '{"t":1e300}',
        '{"t":8640000000001}',
        '{"t":8640000000000}',
        '{"t":1.5}',
      ].join('\n'),
      T,
    )
    expect(rows.map((r) => iso(r.t))).toEqual([null, null, null, '+275760-09-13T00:00:00.000Z', null])
    expect(deadLetters.map((d) => d.line)).toEqual([1, 2, 3, 5])
    expect(deadLetters[0].error).toMatch(/out of range.*seconds since the epoch/)
  })

  it('CSV: a number is not a timestamp (Spark reads CSV timestamps as text only): malformed, never milliseconds', async () => {
    const { rows, deadLetters } = await read(csvFormat, '1705312800\n1705312800000', T)
    expect(rows.map((r) => r.t)).toEqual([null, null])
    expect(deadLetters.map((d) => d.line)).toEqual([1, 2])
  })

  it('a pattern that yields an instant out of range is malformed', async () => {
    const { rows, deadLetters } = await read(jsonFormat, '{"t":"999999999-01-01"}', T, {
      timestampFormat: 'yyyyyyyyy-MM-dd',
    })
    expect(rows[0].t).toBeNull()
    expect(deadLetters).toHaveLength(1)
  })

  it('dd/MM/yyyy refuses day 00 and month 00 (and month 13), in JSON and CSV', async () => {
    const o = { timestampFormat: 'dd/MM/yyyy' }
    const json = await read(
      jsonFormat,
      ['{"t":"00/01/2024"}', '{"t":"01/00/2024"}', '{"t":"01/13/2024"}', '{"t":"31/01/2024"}'].join('\n'),
      T,
      o,
    )
    expect(json.rows.map((r) => iso(r.t))).toEqual([null, null, null, '2024-01-31T00:00:00.000Z'])
    expect(json.deadLetters.map((d) => d.line)).toEqual([1, 2, 3])
    const csv = await read(csvFormat, '00/01/2024\n15/01/2024', T, o)
    expect(csv.rows.map((r) => iso(r.t))).toEqual([null, '2024-01-15T00:00:00.000Z'])
  })

  it('refuses offsets beyond ±18:00 (+99:99), with and without a pattern', async () => {
    const text = ['+99:99', '+18:01', '+10:60', '+18:00', '-0530']
      .map((z) => `{"t":"2024-01-15T10:00:00${z}"}`)
      .join('\n')
    const plain = await read(jsonFormat, text, T)
    expect(plain.rows.map((r) => iso(r.t))).toEqual([
      null,
      null,
      null,
      '2024-01-14T16:00:00.000Z',
      '2024-01-15T15:30:00.000Z',
    ])
    expect(plain.deadLetters.map((d) => d.line)).toEqual([1, 2, 3])
    const patterned = await read(jsonFormat, text, T, { timestampFormat: "yyyy-MM-dd'T'HH:mm:ssXXX" })
    expect(patterned.rows.slice(0, 4).map((r) => iso(r.t))).toEqual([
      null,
      null,
      null,
      '2024-01-14T16:00:00.000Z',
    ])
  })

  it('an invalid timestampFormat or dateFormat is refused at load(), naming the option, before any record', async () => {
    const dir = tempDir('tributary-parsing-')
    const session = newSession()
    try {
      for (const [format, key] of [
        ['json', 'timestampFormat'],
        ['csv', 'timestampFormat'],
        ['json', 'dateFormat'],
      ] as const) {
        let error: Error | undefined
        try {
          session.readStream.schema(T).format(format).option(key, 'yyyy-MM-dd bogus').load(dir)
        } catch (e) {
          error = e as Error
        }
        expect(error?.message).toMatch(
          new RegExp(
            `option '${key}' cannot use the datetime pattern 'yyyy-MM-dd bogus': 'b' is not a pattern letter`,
          ),
        )
        expect(error?.message).not.toMatch(/to_timestamp/)
      }
      // The same in a batch read of an empty folder, where no record would ever have shown it.
      expect(() => session.read.schema(T).option('timestampFormat', "yyyy-MM-dd'").json(dir)).toThrow(
        /timestampFormat.*quote is not closed/,
      )
    } finally {
      await session.stop()
    }
  })
})

describe('CSV header holding a line break', () => {
  it('writes the name quoted and reads it back without an extra row', async () => {
    const s = schema({ 'first\nname': 'string', n: 'long' })
    const file = freshPath('header.csv')
    await csvFormat.write(
      ColumnarBatch.fromRows(s, [
        { 'first\nname': 'x', n: 1 },
        { 'first\nname': 'y', n: 2 },
      ]),
      file,
      options({ header: true }),
    )
    expect(readFileSync(file, 'utf8')).toBe('"first\nname",n\nx,1\ny,2\n')
    const back = await csvFormat.read(file, s, options({ header: true }))
    expect(back.batch.toRows()).toEqual([
      { 'first\nname': 'x', n: 1 },
      { 'first\nname': 'y', n: 2 },
    ])
    expect(back.deadLetters ?? []).toEqual([])
    // enforceSchema=false compares the whole name, line break included.
    const checked = await csvFormat.read(file, s, options({ header: true, enforceSchema: false }))
    expect(checked.batch.numRows).toBe(2)
    expect(path.basename(file)).toBe('header.csv')
  })
})
