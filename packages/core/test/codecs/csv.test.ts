import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { csvFormat } from '../../src/formats/codecs/csv.js'
import { schema } from '../../src/types/schema.js'
import { AnalysisError, MalformedRecordError, OptionError } from '../../src/util/errors.js'
import { fileWith, freshPath, options, readRows, rejection, roundTrip, thrown } from './codec-helpers.js'

const T = (iso: string) => new Date(iso)

describe('csv: round trip', () => {
  const all = schema({
    s: 'string',
    b: 'boolean',
    i: 'int',
    l: 'long',
    f: 'float',
    d: 'double',
    ts: 'timestamp',
    dt: 'date',
  })

  it('keeps every type CSV can hold, nulls included', async () => {
    const rows = [
      {
        s: 'comma, "quote" and \\ backslash',
        b: true,
        i: -2147483648,
        l: 9007199254740991,
        f: 0.1,
        d: 1e-7,
        ts: T('2024-01-15T10:20:30.123Z'),
        dt: T('2024-02-29T00:00:00Z'),
      },
      { s: null, b: null, i: null, l: null, f: null, d: null, ts: null, dt: null },
      {
        s: 'ünïcødé ✓',
        b: false,
        i: 0,
        l: -5,
        f: -3.5,
        d: Number.NaN,
        ts: T('1969-07-20T20:17:40Z'),
        dt: T('1900-01-01T00:00:00Z'),
      },
      { s: 'x', b: true, i: 1, l: 1, f: 1, d: Number.NEGATIVE_INFINITY, ts: null, dt: null },
    ]
    const back = await roundTrip(csvFormat, all, rows)
    expect(back.rows).toEqual(rows)
  })

  it('reads an empty string back as null, as Spark does (it equals the default nullValue)', async () => {
    const s = schema({ a: 'string', b: 'string' })
    const { rows, file } = await roundTrip(csvFormat, s, [{ a: '', b: null }])
    expect(readFileSync(file, 'utf8')).toBe('"",\n')
    expect(rows).toEqual([{ a: null, b: null }])
  })

  it('keeps line breaks inside values when read with multiLine', async () => {
    const s = schema({ a: 'string', n: 'int' })
    const rows = [
      { a: 'two\nlines', n: 1 },
      { a: 'cr\r\nlf', n: 2 },
      { a: 'plain', n: 3 },
    ]
    const back = await roundTrip(csvFormat, s, rows, {}, { multiLine: true })
    expect(back.rows).toEqual(rows)
  })

  it('writes a header, a separator, quotes, a nullValue, quoteAll and a lineSep as asked', async () => {
    const s = schema({ name: 'string', n: 'int' })
    const batch = ColumnarBatch.fromRows(s, [
      { name: "it's", n: 1 },
      { name: null, n: 2 },
    ])
    const file = freshPath('out.csv')
    await csvFormat.write(
      batch,
      file,
      options({
        header: true,
        sep: ';',
        quote: "'",
        escape: '\\',
        nullValue: 'NULL',
        quoteAll: true,
        lineSep: '\r\n',
      }),
    )
    expect(readFileSync(file, 'utf8')).toBe("'name';'n'\r\n'it\\'s';'1'\r\n'NULL';'2'\r\n")
    const { rows } = await readRows(csvFormat, file, s, {
      header: true,
      sep: ';',
      quote: "'",
      nullValue: 'NULL',
    })
    expect(rows).toEqual([
      { name: "it's", n: 1 },
      { name: null, n: 2 },
    ])
  })

  it("trims strings when writing unless told not to (Spark's writer default)", async () => {
    const s = schema({ a: 'string' })
    const rows = [{ a: '  padded  ' }]
    expect((await roundTrip(csvFormat, s, rows)).rows).toEqual([{ a: 'padded' }])
    const kept = await roundTrip(csvFormat, s, rows, {
      ignoreLeadingWhiteSpace: false,
      ignoreTrailingWhiteSpace: false,
    })
    expect(kept.rows).toEqual(rows)
  })

  it('formats time with timestampFormat, dateFormat and timeZone', async () => {
    const s = schema({ ts: 'timestamp', d: 'date' })
    const rows = [{ ts: T('2024-07-01T10:00:00Z'), d: T('2024-07-01T00:00:00Z') }]
    const fmt = { timestampFormat: 'yyyy-MM-dd HH:mm:ss', dateFormat: 'MM/dd/yyyy', timeZone: 'Asia/Tokyo' }
    const back = await roundTrip(csvFormat, s, rows, fmt, fmt)
    expect(readFileSync(back.file, 'utf8')).toBe('2024-07-01 19:00:00,07/01/2024\n')
    expect(back.rows).toEqual(rows)
    const dflt = await roundTrip(csvFormat, s, rows)
    expect(readFileSync(dflt.file, 'utf8')).toBe('2024-07-01T10:00:00.000Z,2024-07-01\n')
  })

  it('refuses nested and binary columns on write and read', async () => {
    const s = schema({ a: { array: 'int' } })
    const e = await rejection(
      csvFormat.write(ColumnarBatch.fromRows(s, [{ a: [1] }]), freshPath('x.csv'), options()),
    )
    expect(e).toBeInstanceOf(AnalysisError)
    expect(e.message).toContain("column 'a' of type array<int>")
    const r = await rejection(readRows(csvFormat, fileWith('x'), schema({ b: 'binary' })))
    expect(r.message).toContain('does not support')
  })
})

describe('csv: reading', () => {
  it('matches columns by position, skips the header line of each file, blank lines and comments', async () => {
    const s = schema({ x: 'int', y: 'string' })
    const file = fileWith('a,b\n1,one\n\n  \n# note\n2,two\n')
    const { rows } = await readRows(csvFormat, file, s, { header: true, comment: '#' })
    expect(rows).toEqual([
      { x: 1, y: 'one' },
      { x: 2, y: 'two' },
    ])
  })

  it('checks the header names against the schema when enforceSchema is false', async () => {
    const s = schema({ x: 'int', y: 'string' })
    const file = fileWith('a,b\n1,one\n')
    const e = await rejection(readRows(csvFormat, file, s, { header: true, enforceSchema: false }))
    expect(e.message).toContain('CSV_HEADER_MISMATCH')
    expect(e.message).toContain(file)
    expect(e.message).toContain('enforceSchema')
    const ok = await readRows(csvFormat, fileWith('X,Y\n1,one\n'), s, { header: true, enforceSchema: false })
    expect(ok.rows).toEqual([{ x: 1, y: 'one' }])
  })

  it('reads quoted fields, escaped quotes, a custom separator, quote and escape', async () => {
    const s = schema({ a: 'string', b: 'string', c: 'string' })
    const file = fileWith('"x,1","say \\"hi\\"",plain\n\'y\'|\'it^\'s\'|z\n')
    const first = await readRows(csvFormat, fileWith('"x,1","say \\"hi\\"",plain\n'), s)
    expect(first.rows).toEqual([{ a: 'x,1', b: 'say "hi"', c: 'plain' }])
    const second = await readRows(csvFormat, fileWith("'y'|'it^'s'|z\n"), s, {
      sep: '|',
      quote: "'",
      escape: '^',
    })
    expect(second.rows).toEqual([{ a: 'y', b: "it's", c: 'z' }])
    expect(file).toBeTruthy()
  })

  it('trims unquoted whitespace only when asked', async () => {
    const s = schema({ a: 'string', b: 'int' })
    const file = fileWith('  x  , 2\n')
    const raw = await readRows(csvFormat, file, s, { mode: 'DROPMALFORMED' })
    // " 2" is not an int without trimming.
    expect(raw.rows).toEqual([])
    const trimmed = await readRows(csvFormat, file, s, {
      ignoreLeadingWhiteSpace: true,
      ignoreTrailingWhiteSpace: true,
    })
    expect(trimmed.rows).toEqual([{ a: 'x', b: 2 }])
  })

  it('reads nullValue, nanValue, positiveInf and negativeInf', async () => {
    const s = schema({ a: 'double', b: 'string' })
    const file = fileWith('NA,NA\nnan,x\n+inf,y\n-inf,z\nInfinity,w\n')
    const { rows } = await readRows(csvFormat, file, s, {
      nullValue: 'NA',
      nanValue: 'nan',
      positiveInf: '+inf',
      negativeInf: '-inf',
    })
    expect(rows).toEqual([
      { a: null, b: null },
      { a: Number.NaN, b: 'x' },
      { a: Number.POSITIVE_INFINITY, b: 'y' },
      { a: Number.NEGATIVE_INFINITY, b: 'z' },
      { a: Number.POSITIVE_INFINITY, b: 'w' },
    ])
  })

  it('reads booleans without regard to case, timestamps and dates as ISO text or by pattern', async () => {
    const s = schema({ b: 'boolean', t: 'timestamp', d: 'date' })
    const iso = await readRows(
      csvFormat,
      fileWith('TRUE,2024-01-15 10:00:00,2024-01-15\nfalse,2024-01-15T10:00:00+01:00,2024-1-5\n'),
      s,
    )
    expect(iso.rows).toEqual([
      { b: true, t: T('2024-01-15T10:00:00Z'), d: T('2024-01-15T00:00:00Z') },
      { b: false, t: T('2024-01-15T09:00:00Z'), d: T('2024-01-05T00:00:00Z') },
    ])
    const patterned = await readRows(csvFormat, fileWith('true,15.01.2024 10:00,15.01.2024\n'), s, {
      timestampFormat: 'dd.MM.yyyy HH:mm',
      dateFormat: 'dd.MM.yyyy',
    })
    expect(patterned.rows).toEqual([{ b: true, t: T('2024-01-15T10:00:00Z'), d: T('2024-01-15T00:00:00Z') }])
  })

  it('gives no rows for an empty file, or a file that is only a header', async () => {
    const s = schema({ a: 'string' })
    expect((await readRows(csvFormat, fileWith(''), s)).rows).toEqual([])
    expect((await readRows(csvFormat, fileWith('a\n'), s, { header: true })).rows).toEqual([])
  })

  it('splits on a custom lineSep, and keeps \\n inside a line then', async () => {
    const s = schema({ a: 'string', b: 'string' })
    const { rows } = await readRows(csvFormat, fileWith('x,1;y\nz,2;'), s, { lineSep: ';' })
    expect(rows).toEqual([
      { a: 'x', b: '1' },
      { a: 'y\nz', b: '2' },
    ])
  })

  it('reads a line of several megabytes', async () => {
    const s = schema({ a: 'string', b: 'int' })
    const big = 'q'.repeat(4_000_000)
    const { rows } = await readRows(csvFormat, fileWith(`"${big}",1\n${big},2\n`), s)
    expect(rows.map((r) => [(r.a as string).length, r.b])).toEqual([
      [4_000_000, 1],
      [4_000_000, 2],
    ])
  })

  it('refuses other encodings and bad option values clearly', async () => {
    const s = schema({ a: 'string' })
    const zone = await rejection(readRows(csvFormat, fileWith('x'), s, { timeZone: 'Mars/Olympus' }))
    expect(zone).toBeInstanceOf(OptionError)
    expect(zone.message).toContain("'Mars/Olympus'")
    const e = await rejection(readRows(csvFormat, fileWith('x'), s, { charset: 'UTF-16' }))
    expect(e).toBeInstanceOf(OptionError)
    expect(e.message).toContain("'UTF-16'")
    const q = await rejection(readRows(csvFormat, fileWith('x'), s, { quote: '""' }))
    expect(q.message).toContain("'quote' must be a single character")
  })
})

describe('csv: malformed records', () => {
  const s = schema({ id: 'int', price: 'double', _corrupt_record: 'string' })
  const lines = [
    '1,1.5', // 1
    '2,abc', // 2: not a double
    '3', // 3: too few fields
    '4,4.5,extra', // 4: too many fields
    '', // 5: blank
    '5,"unclosed', // 6: broken quote
    'x,6.5', // 7: not an int
    '6,7.5', // 8
  ]
  const content = `${lines.join('\n')}\n`

  it('PERMISSIVE keeps what it can read, nulls elsewhere, the raw line in _corrupt_record', async () => {
    const { rows, dropped } = await readRows(csvFormat, fileWith(content), s)
    expect(dropped).toBe(0)
    expect(rows).toEqual([
      { id: 1, price: 1.5, _corrupt_record: null },
      { id: 2, price: null, _corrupt_record: '2,abc' },
      { id: 3, price: null, _corrupt_record: '3' },
      { id: 4, price: 4.5, _corrupt_record: '4,4.5,extra' },
      { id: null, price: null, _corrupt_record: '5,"unclosed' },
      { id: null, price: 6.5, _corrupt_record: 'x,6.5' },
      { id: 6, price: 7.5, _corrupt_record: null },
    ])
  })

  it('DROPMALFORMED drops and counts them', async () => {
    const { rows, dropped } = await readRows(csvFormat, fileWith(content), s, { mode: 'DROPMALFORMED' })
    expect(rows.map((r) => r.id)).toEqual([1, 6])
    expect(dropped).toBe(5)
  })

  it('FAILFAST names the file, the line, the cause and the way out', async () => {
    const file = fileWith(content)
    const e = await rejection(readRows(csvFormat, file, s, { mode: 'FAILFAST' }))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(`${file}, line 2`)
    expect(e.message).toContain(`field 2 ('price'): expected double but found "abc"`)
    expect(e.message).toContain("'DROPMALFORMED'")
    const ragged = await rejection(readRows(csvFormat, fileWith('1,2.5\n\n9\n'), s, { mode: 'FAILFAST' }))
    expect(ragged.message).toContain('line 3')
    expect(ragged.message).toContain('expected 2 fields but found 1')
    const quote = await rejection(
      readRows(csvFormat, fileWith('1,2.5\n5,"unclosed\n'), s, { mode: 'FAILFAST' }),
    )
    expect(quote.message).toContain('line 2')
    expect(quote.message).toContain('Quote Not Closed')
  })

  it('counts lines from the start of the file, header and blank lines included', async () => {
    const file = fileWith('id,price\n\n1,1.0\n2,oops\n')
    const e = await rejection(readRows(csvFormat, file, s, { header: true, mode: 'FAILFAST' }))
    expect(e.message).toContain(`${file}, line 4`)
  })

  it('finds a broken line among many quoted ones', async () => {
    const good = Array.from({ length: 600 }, (_, i) => `${i},"${i}.5"`)
    good[450] = '450,"4"50.5"'
    const { rows } = await readRows(csvFormat, fileWith(good.join('\n')), s)
    expect(rows.length).toBe(600)
    expect(rows.filter((r) => r._corrupt_record !== null).map((r) => r._corrupt_record)).toEqual([
      '450,"4"50.5"',
    ])
    expect(rows[599]).toEqual({ id: 599, price: 599.5, _corrupt_record: null })
  })

  it('treats a line with bytes that are not UTF-8 as malformed, and only that line', async () => {
    const bytes = Buffer.concat([
      Buffer.from('1,1.5\n2,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n3,3.5\n'),
    ])
    const file = fileWith(bytes)
    const permissive = await readRows(csvFormat, file, s)
    expect(permissive.rows.map((r) => r.id)).toEqual([1, null, 3])
    expect(permissive.rows[1]._corrupt_record).toBe('2,\uFFFD(')
    const dropped = await readRows(csvFormat, file, s, { mode: 'DROPMALFORMED' })
    expect(dropped.dropped).toBe(1)
    const e = await rejection(readRows(csvFormat, file, s, { mode: 'FAILFAST' }))
    expect(e.message).toContain('line 2')
    expect(e.message).toContain('UTF-8')
  })

  it('makes a field longer than maxCharsPerColumn malformed', async () => {
    const t = schema({ a: 'string' })
    const { rows, dropped } = await readRows(csvFormat, fileWith('short\nmuch too long\n'), t, {
      maxCharsPerColumn: 8,
      mode: 'DROPMALFORMED',
    })
    expect(rows).toEqual([{ a: 'short' }])
    expect(dropped).toBe(1)
  })

  it('multiLine skips blank and comment lines like the line reader', async () => {
    const t = schema({ a: 'string', n: 'int' })
    const file = fileWith('# head\n"x\ny",1\n   \n\n"z",2\n')
    const { rows, dropped } = await readRows(csvFormat, file, t, {
      multiLine: true,
      comment: '#',
      mode: 'DROPMALFORMED',
    })
    expect(rows).toEqual([
      { a: 'x\ny', n: 1 },
      { a: 'z', n: 2 },
    ])
    expect(dropped).toBe(0)
  })

  it('reports multiLine records where they start', async () => {
    const t = schema({ a: 'string', n: 'int' })
    const file = fileWith('"x\ny",1\n"z",oops\n')
    const e = await rejection(readRows(csvFormat, file, t, { multiLine: true, mode: 'FAILFAST' }))
    expect(e.message).toContain(`${file}, line 3`)
  })
})

describe('csv: schema inference', () => {
  it('names columns _c0, _c1 without a header, and reads all as strings without inferSchema', () => {
    const file = fileWith('1,x,2.5\n2,y,3\n')
    expect(csvFormat.inferSchema([file], options()).simpleString()).toBe(
      'struct<_c0:string,_c1:string,_c2:string>',
    )
  })

  it("infers Spark's types with inferSchema, widening across rows", () => {
    const file = fileWith(
      [
        'i,l,d,b,ts,dt,s,mixed,nulls,w',
        '1,1,1.5,true,2024-01-15 10:00:00,2024-01-15,x,1,,1',
        '2,3000000000,2,FALSE,2024-01-15T10:00:00Z,2024-02-01,y,a,,2.5',
        ',,,,,,,,,',
      ].join('\n'),
    )
    const inferred = csvFormat.inferSchema([file], options({ header: true, inferSchema: true }))
    expect(inferred.simpleString()).toBe(
      'struct<i:int,l:long,d:double,b:boolean,ts:timestamp,dt:date,s:string,mixed:string,nulls:string,w:double>',
    )
  })

  it('widens a date and a timestamp to a timestamp, and takes types from every file', () => {
    const one = fileWith('a,b\n2024-01-01,1\n')
    const two = fileWith('a,b\n2024-01-01 10:00:00,x\n')
    expect(
      csvFormat.inferSchema([one, two], options({ header: true, inferSchema: true })).simpleString(),
    ).toBe('struct<a:timestamp,b:string>')
  })

  it('makes header names safe: empty ones get _c<i>, repeated ones their position', () => {
    const file = fileWith('a,,A,b\n1,2,3,4\n')
    expect(csvFormat.inferSchema([file], options({ header: true })).names).toEqual(['a0', '_c1', 'A2', 'b'])
  })

  it('uses the separator and respects nullValue while inferring', () => {
    const file = fileWith('x;y\nNA;1\n2;NA\n')
    expect(
      csvFormat
        .inferSchema([file], options({ header: true, inferSchema: true, sep: ';', nullValue: 'NA' }))
        .simpleString(),
    ).toBe('struct<x:int,y:int>')
  })

  it('infers dates and timestamps by pattern when given', () => {
    const file = fileWith('15/01/2024,15/01/2024 10:00\n')
    const inferred = csvFormat.inferSchema(
      [file],
      options({ inferSchema: true, dateFormat: 'dd/MM/yyyy', timestampFormat: 'dd/MM/yyyy HH:mm' }),
    )
    expect(inferred.simpleString()).toBe('struct<_c0:date,_c1:timestamp>')
  })

  it('gives an empty schema for empty files, and stops on a broken line under FAILFAST', () => {
    expect(csvFormat.inferSchema([fileWith('')], options()).length).toBe(0)
    const file = fileWith('1,2\n"broken\n')
    const e = thrown(() => csvFormat.inferSchema([file], options({ inferSchema: true, mode: 'FAILFAST' })))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(`${file}, line 2`)
    expect(csvFormat.inferSchema([file], options({ inferSchema: true })).simpleString()).toBe(
      'struct<_c0:int,_c1:int>',
    )
  })

  it('reads only the first records of each file unless told otherwise', () => {
    const lines = Array.from({ length: 1500 }, (_, i) => (i === 1200 ? 'text' : String(i)))
    const file = fileWith(`${lines.join('\n')}\n`)
    expect(csvFormat.inferSchema([file], options({ inferSchema: true })).simpleString()).toBe(
      'struct<_c0:int>',
    )
    expect(
      csvFormat
        .inferSchema([file], options({ inferSchema: true, inferSchemaMaxRecordsPerFile: -1 }))
        .simpleString(),
    ).toBe('struct<_c0:string>')
  })

  it('reads back what it infers', async () => {
    const file = fileWith('id,price,when\n1,2.5,2024-01-15 10:00:00\n2,,\n')
    const inferred = csvFormat.inferSchema([file], options({ header: true, inferSchema: true }))
    const { rows } = await readRows(csvFormat, file, inferred, { header: true })
    expect(rows).toEqual([
      { id: 1, price: 2.5, when: T('2024-01-15T10:00:00Z') },
      { id: 2, price: null, when: null },
    ])
  })
})
