import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { Schema, schema } from '../../src/types/schema.js'
import { MalformedRecordError, OptionError } from '../../src/util/errors.js'
import { tempDir } from '../helpers.js'
import { fileWith, freshPath, options, readRows, rejection, roundTrip, thrown } from './codec-helpers.js'

const T = (iso: string) => new Date(iso)

describe('json: round trip', () => {
  const all = schema({
    s: 'string',
    b: 'boolean',
    i: 'int',
    l: 'long',
    f: 'float',
    d: 'double',
    ts: 'timestamp',
    dt: 'date',
    bin: 'binary',
    arr: { array: 'int' },
    st: { struct: { name: 'string', at: 'timestamp', tags: { array: 'string' } } },
    m: { map: 'double' },
  })

  it('keeps every type, nulls included', async () => {
    const rows = [
      {
        s: 'héllo "quoted" \n line ✓',
        b: true,
        i: -2147483648,
        l: 9007199254740991,
        f: 1.5,
        d: 0.1,
        ts: T('2024-01-15T10:20:30.123Z'),
        dt: T('2024-02-29T00:00:00Z'),
        bin: new Uint8Array([0, 1, 254, 255]),
        arr: [1, null, 3],
        st: { name: 'x', at: T('1969-12-31T23:59:59.999Z'), tags: ['a', 'b'] },
        m: { k: 2.5, z: null },
      },
      {
        s: null,
        b: null,
        i: null,
        l: null,
        f: null,
        d: null,
        ts: null,
        dt: null,
        bin: null,
        arr: null,
        st: null,
        m: null,
      },
      {
        s: '',
        b: false,
        i: 0,
        l: -1,
        f: -0.25,
        d: Number.NaN,
        ts: T('1900-01-01T00:00:00Z'),
        dt: T('1970-01-01T00:00:00Z'),
        bin: new Uint8Array([]),
        arr: [],
        st: { name: null, at: null, tags: null },
        m: {},
      },
    ]
    const back = await roundTrip(jsonFormat, all, rows)
    expect(back.rows).toEqual(rows)
  })

  it('keeps infinities and integral doubles as doubles', async () => {
    const s = schema({ d: 'double' })
    const rows = [{ d: Number.POSITIVE_INFINITY }, { d: Number.NEGATIVE_INFINITY }, { d: 3 }]
    const back = await roundTrip(jsonFormat, s, rows)
    expect(back.rows).toEqual(rows)
    expect(readFileSync(back.file, 'utf8')).toBe('{"d":"Infinity"}\n{"d":"-Infinity"}\n{"d":3.0}\n')
  })

  it("writes Spark's layout: ISO timestamps, dates, nulls left out", async () => {
    const s = schema({ a: 'long', ts: 'timestamp', dt: 'date', n: 'string' })
    const { file } = await roundTrip(jsonFormat, s, [
      { a: 1, ts: T('2024-01-15T10:00:00Z'), dt: T('2024-01-15T00:00:00Z'), n: null },
    ])
    expect(readFileSync(file, 'utf8')).toBe('{"a":1,"ts":"2024-01-15T10:00:00.000Z","dt":"2024-01-15"}\n')
  })

  it('writes nulls when ignoreNullFields is false, formats and zone as asked, and lineSep', async () => {
    const s = schema({ a: 'string', ts: 'timestamp', dt: 'date' })
    const writeOptions = {
      ignoreNullFields: false,
      timestampFormat: 'yyyy/MM/dd HH:mm',
      dateFormat: 'dd.MM.yyyy',
      timeZone: 'Europe/Paris',
      lineSep: '\r\n',
    }
    const rows = [{ a: null, ts: T('2024-07-01T10:00:00Z'), dt: T('2024-07-01T00:00:00Z') }]
    const { file, rows: back } = await roundTrip(jsonFormat, s, rows, writeOptions, {
      timestampFormat: 'yyyy/MM/dd HH:mm',
      dateFormat: 'dd.MM.yyyy',
      timeZone: 'Europe/Paris',
    })
    expect(readFileSync(file, 'utf8')).toBe('{"a":null,"ts":"2024/07/01 12:00","dt":"01.07.2024"}\r\n')
    expect(back).toEqual(rows)
  })
})

describe('json: reading', () => {
  const s = schema({ a: 'long', b: 'string' })

  it('reads missing fields as null, ignores extra ones, skips blank lines, accepts CRLF', async () => {
    const file = fileWith('{"a":1,"b":"x","extra":true}\r\n\r\n   \r\n{"b":"y"}\r\n{}\r\n\t\n{"a":3}')
    const { rows, dropped } = await readRows(jsonFormat, file, s)
    expect(rows).toEqual([
      { a: 1, b: 'x' },
      { a: null, b: 'y' },
      { a: null, b: null },
      { a: 3, b: null },
    ])
    expect(dropped).toBe(0)
  })

  it('reads numbers and booleans into a string column as their text, as Spark does', async () => {
    const file = fileWith('{"b":12}\n{"b":true}\n{"b":1.5}\n')
    expect((await readRows(jsonFormat, file, s)).rows.map((r) => r.b)).toEqual(['12', 'true', '1.5'])
  })

  it('does not take inherited object properties for fields named like them', async () => {
    const t = schema({ constructor: 'string', toString: 'string', hasOwnProperty: 'string' })
    const file = fileWith('{}\n{"constructor":"c","hasOwnProperty":"h"}\n')
    const { rows } = await readRows(jsonFormat, file, t)
    expect(rows.map((r) => [r.constructor, r.toString, r.hasOwnProperty])).toEqual([
      [null, null, null],
      ['c', null, 'h'],
    ])
  })

  it('keeps a map key named __proto__ as an entry, through a read and a write', async () => {
    const t = schema({ m: { map: 'long' } })
    const read = await jsonFormat.read(fileWith('{"m":{"__proto__":1,"a":2}}'), t, options())
    const m = (read.batch.row(0) as { m: Record<string, unknown> }).m
    expect(Object.keys(m)).toEqual(['__proto__', 'a'])
    expect(Object.getOwnPropertyDescriptor(m, '__proto__')?.value).toBe(1)
    const out = freshPath('proto.json')
    await jsonFormat.write(read.batch, out, options())
    expect(readFileSync(out, 'utf8')).toBe('{"m":{"__proto__":1,"a":2}}\n')
  })

  it('reads timestamps as ISO text in many shapes, epoch seconds, a pattern, and a zone', async () => {
    const t = schema({ ts: 'timestamp' })
    const file = fileWith(
      [
        '{"ts":"2024-01-15T10:00:00Z"}',
        '{"ts":"2024-01-15 10:00:00"}',
        '{"ts":"2024-01-15T10:00:00.5+02:00"}',
        '{"ts":"2024-01-15"}',
        '{"ts":1705312800}',
      ].join('\n'),
    )
    const { rows } = await readRows(jsonFormat, file, t)
    expect(rows.map((r) => (r.ts as Date).toISOString())).toEqual([
      '2024-01-15T10:00:00.000Z',
      '2024-01-15T10:00:00.000Z',
      '2024-01-15T08:00:00.500Z',
      '2024-01-15T00:00:00.000Z',
      '2024-01-15T10:00:00.000Z',
    ])
    const inZone = await readRows(
      jsonFormat,
      fileWith('{"ts":"2024-01-15 10:00:00"}\n{"ts":"2024-07-15T10:00"}'),
      t,
      {
        timeZone: 'America/New_York',
      },
    )
    expect(inZone.rows.map((r) => (r.ts as Date).toISOString())).toEqual([
      '2024-01-15T15:00:00.000Z',
      '2024-07-15T14:00:00.000Z',
    ])
    const patterned = await readRows(jsonFormat, fileWith('{"ts":"15/01/2024 10h30"}'), t, {
      timestampFormat: "dd/MM/yyyy HH'h'mm",
    })
    expect((patterned.rows[0].ts as Date).toISOString()).toBe('2024-01-15T10:30:00.000Z')
  })

  it('reads dates as ISO text or with dateFormat', async () => {
    const t = schema({ d: 'date' })
    const iso = await readRows(jsonFormat, fileWith('{"d":"2024-03-01"}\n{"d":"2024-03-01T23:59:00"}'), t)
    expect(iso.rows.map((r) => (r.d as Date).toISOString())).toEqual([
      '2024-03-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ])
    const patterned = await readRows(jsonFormat, fileWith('{"d":"01/03/2024"}'), t, {
      dateFormat: 'dd/MM/yyyy',
    })
    expect((patterned.rows[0].d as Date).toISOString()).toBe('2024-03-01T00:00:00.000Z')
  })

  it('reads nested structs, arrays and maps, and keeps Dates inside them', async () => {
    const t = schema({
      o: { struct: { x: 'int', when: 'timestamp', inner: { struct: { y: 'string' } } } },
      m: { map: { array: 'long' } },
    })
    const file = fileWith(
      '{"o":{"x":1,"when":"2024-01-01T00:00:00Z","inner":{"y":"z"},"skip":1},"m":{"a":[1,2],"b":null}}',
    )
    const { rows } = await readRows(jsonFormat, file, t)
    expect(rows).toEqual([
      { o: { x: 1, when: T('2024-01-01T00:00:00Z'), inner: { y: 'z' } }, m: { a: [1, 2], b: null } },
    ])
  })

  it('gives no rows for an empty file or one with only blank lines', async () => {
    expect((await readRows(jsonFormat, fileWith(''), s)).rows).toEqual([])
    expect((await readRows(jsonFormat, fileWith('\n \n\t\n'), s)).rows).toEqual([])
  })

  it('reads a line of several megabytes', async () => {
    const big = 'x'.repeat(5_000_000)
    const { rows } = await readRows(jsonFormat, fileWith(`{"a":1,"b":"${big}"}\n{"a":2}\n`), s)
    expect(rows.length).toBe(2)
    expect((rows[0].b as string).length).toBe(5_000_000)
  })

  it('splits on a custom lineSep', async () => {
    const { rows } = await readRows(jsonFormat, fileWith('{"a":1}|{"a":2}|'), s, { lineSep: '|' })
    expect(rows.map((r) => r.a)).toEqual([1, 2])
  })

  it('refuses encodings other than UTF-8 with a clear error', async () => {
    const e = await rejection(readRows(jsonFormat, fileWith('{}'), s, { encoding: 'ISO-8859-1' }))
    expect(e).toBeInstanceOf(OptionError)
    expect(e.message).toContain("'ISO-8859-1'")
    expect(e.message).toContain('UTF-8')
    await expect(readRows(jsonFormat, fileWith('{"a":1}'), s, { encoding: 'utf8' })).resolves.toBeDefined()
  })

  it('refuses an unknown mode', async () => {
    const e = await rejection(readRows(jsonFormat, fileWith('{}'), s, { mode: 'LENIENT' }))
    expect(e.message).toContain("'PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'")
  })
})

describe('json: malformed records', () => {
  const s = schema({ a: 'long', d: 'double', s: 'string', _corrupt_record: 'string' })
  const lines = [
    '{"a":1,"d":1.5,"s":"ok"}', // 1
    '{"a":2,"d":', // 2: broken JSON
    '{"a":3,"d":"abc","s":"kept"}', // 3: wrong type for d
    '', // 4: blank
    '{"a":4,"s":{"nested":true}}', // 5: object where a string is declared
    '[1,2]', // 6: not an object
    '{"a":1.5}', // 7: fraction where a long is declared
    '{"a":7,"d":"NaN"}', // 8: fine: Spark reads "NaN" into a double
  ]
  const content = `${lines.join('\n')}\n`

  it('PERMISSIVE keeps every record: nulls where unreadable, the raw line in _corrupt_record', async () => {
    const { rows, dropped } = await readRows(jsonFormat, fileWith(content), s)
    expect(dropped).toBe(0)
    expect(rows).toEqual([
      { a: 1, d: 1.5, s: 'ok', _corrupt_record: null },
      { a: null, d: null, s: null, _corrupt_record: lines[1] },
      { a: 3, d: null, s: 'kept', _corrupt_record: lines[2] },
      { a: 4, d: null, s: null, _corrupt_record: lines[4] },
      { a: null, d: null, s: null, _corrupt_record: lines[5] },
      { a: null, d: null, s: null, _corrupt_record: lines[6] },
      { a: 7, d: Number.NaN, s: null, _corrupt_record: null },
    ])
  })

  it('PERMISSIVE without the corrupt-record column still keeps the rows, with nulls', async () => {
    const { rows } = await readRows(jsonFormat, fileWith(content), schema({ a: 'long', d: 'double' }))
    expect(rows.length).toBe(7)
    expect(rows[2]).toEqual({ a: 3, d: null })
  })

  it('uses the column named by columnNameOfCorruptRecord, and refuses one that is not a string', async () => {
    const t = schema({ a: 'long', bad: 'string' })
    const { rows } = await readRows(jsonFormat, fileWith('{"a":"x"}\n'), t, {
      columnNameOfCorruptRecord: 'bad',
    })
    expect(rows).toEqual([{ a: null, bad: '{"a":"x"}' }])
    const e = await rejection(readRows(jsonFormat, fileWith('{}'), schema({ _corrupt_record: 'long' })))
    expect(e.message).toContain("'_corrupt_record' must be a string")
  })

  it('DROPMALFORMED drops and counts them', async () => {
    const { rows, dropped } = await readRows(jsonFormat, fileWith(content), s, { mode: 'dropMalformed' })
    expect(rows.map((r) => r.a)).toEqual([1, 7])
    expect(dropped).toBe(5)
  })

  it('FAILFAST names the file, the line, the cause and the way out', async () => {
    const file = fileWith(content)
    const e = await rejection(readRows(jsonFormat, file, s, { mode: 'FAILFAST' }))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(`${file}, line 2`)
    expect(e.message).toContain('invalid JSON')
    expect(e.message).toContain("'PERMISSIVE'")
    expect(e.message).toContain("'DROPMALFORMED'")
    const wrongType = await rejection(readRows(jsonFormat, fileWith(lines[2]), s, { mode: 'FAILFAST' }))
    expect(wrongType.message).toContain('line 1')
    expect(wrongType.message).toContain(`field 'd': expected double but found string "abc"`)
    const objectForString = await rejection(
      readRows(jsonFormat, fileWith(`\n\n${lines[4]}`), s, { mode: 'FAILFAST' }),
    )
    expect(objectForString.message).toContain('line 3')
    expect(objectForString.message).toContain(`field 's': expected string but found an object`)
  })

  it('treats a line with bytes that are not UTF-8 as malformed, and only that line', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"s":"before"}\n{"s":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}\n{"s":"after ✓"}\n'),
    ])
    const file = fileWith(bytes)
    const permissive = await readRows(jsonFormat, file, s)
    expect(permissive.rows.map((r) => r.s)).toEqual(['before', null, 'after ✓'])
    expect(permissive.rows[1]._corrupt_record).toContain('\uFFFD')
    const dropped = await readRows(jsonFormat, file, s, { mode: 'DROPMALFORMED' })
    expect(dropped.rows.map((r) => r.s)).toEqual(['before', 'after ✓'])
    expect(dropped.dropped).toBe(1)
    const e = await rejection(readRows(jsonFormat, file, s, { mode: 'FAILFAST' }))
    expect(e.message).toContain('line 2')
    expect(e.message).toContain('not valid UTF-8')
  })

  it('keeps a huge malformed line whole in the corrupt column but short in the error message', async () => {
    const huge = `{"a":1,"s":"${'y'.repeat(2_000_000)}"` // no closing brace
    const file = fileWith(`${huge}\n`)
    const { rows } = await readRows(jsonFormat, file, s)
    expect(rows[0]._corrupt_record).toBe(huge)
    const e = await rejection(readRows(jsonFormat, file, s, { mode: 'FAILFAST' }))
    expect(e.message.length).toBeLessThan(2000)
    expect(e.message).toContain('line 1')
  })
})

describe('json: multiLine', () => {
  const s = schema({ a: 'long', b: 'string', _corrupt_record: 'string' })

  it('reads a file holding one array of objects, or one object', async () => {
    const array = fileWith('[\n  {"a": 1, "b": "x"},\n  {"a": 2}\n]\n')
    expect((await readRows(jsonFormat, array, s, { multiLine: true })).rows).toEqual([
      { a: 1, b: 'x', _corrupt_record: null },
      { a: 2, b: null, _corrupt_record: null },
    ])
    const single = fileWith('{\n  "a": 5,\n  "b": "y"\n}')
    expect((await readRows(jsonFormat, single, s, { multiLine: true })).rows).toEqual([
      { a: 5, b: 'y', _corrupt_record: null },
    ])
  })

  it('handles a broken document and bad elements by mode', async () => {
    const broken = fileWith('[\n {"a": 1},\n {"a" 2}\n]')
    const brokenKept = await readRows(jsonFormat, broken, s, { multiLine: true })
    expect(brokenKept.rows).toEqual([{ a: null, b: null, _corrupt_record: '[\n {"a": 1},\n {"a" 2}\n]' }])
    const e = await rejection(readRows(jsonFormat, broken, s, { multiLine: true, mode: 'FAILFAST' }))
    // The line JSON.parse points at.
    expect(e.message).toContain(`${broken}, line 3`)
    const elements = fileWith('[{"a": 1}, {"a": "x"}, 3]')
    const dropped = await readRows(jsonFormat, elements, s, { multiLine: true, mode: 'DROPMALFORMED' })
    expect(dropped.rows.map((r) => r.a)).toEqual([1])
    expect(dropped.dropped).toBe(2)
    const failed = await rejection(readRows(jsonFormat, elements, s, { multiLine: true, mode: 'FAILFAST' }))
    expect(failed.message).toContain('element 1 of the top-level array')
    const kept = await readRows(jsonFormat, elements, s, { multiLine: true })
    expect(kept.rows.map((r) => r._corrupt_record)).toEqual([null, '{"a":"x"}', '3'])
    const single = fileWith('{\n"a": "x"\n}')
    const whole = await readRows(jsonFormat, single, s, { multiLine: true })
    expect(whole.rows).toEqual([{ a: null, b: null, _corrupt_record: '{\n"a": "x"\n}' }])
  })
})

describe('json: schema inference', () => {
  it("infers Spark's types with fields sorted by name at every level", () => {
    const file = fileWith(
      [
        '{"z":1,"a":"s","m":{"y":true,"b":[1,2]},"n":null,"e":[]}',
        '{"z":2.5,"a":"t","m":{"b":[3.5],"c":null},"n":null,"e":[]}',
      ].join('\n'),
    )
    const inferred = jsonFormat.inferSchema([file], options())
    expect(inferred.simpleString()).toBe(
      'struct<a:string,e:array<string>,m:struct<b:array<double>,c:string,y:boolean>,n:string,z:double>',
    )
  })

  it('widens conflicting types to string, merges across files, and keeps integers as long', () => {
    const one = fileWith('{"x":1,"y":1}\n{"x":"a"}\n')
    const two = fileWith('{"y":2,"w":{"q":1}}\n')
    const three = fileWith('{"w":5}\n')
    expect(jsonFormat.inferSchema([one, two], options()).simpleString()).toBe(
      'struct<w:struct<q:long>,x:string,y:long>',
    )
    expect(jsonFormat.inferSchema([two, three], options()).simpleString()).toBe('struct<w:string,y:long>')
  })

  it('infers timestamps only with inferTimestamp', () => {
    const file = fileWith('{"t":"2024-01-15T10:00:00Z"}\n{"t":"2024-01-16 11:00:00"}\n')
    expect(jsonFormat.inferSchema([file], options()).simpleString()).toBe('struct<t:string>')
    expect(jsonFormat.inferSchema([file], options({ inferTimestamp: true })).simpleString()).toBe(
      'struct<t:timestamp>',
    )
  })

  it('adds the corrupt-record column under PERMISSIVE, ignores bad lines under DROPMALFORMED, stops under FAILFAST', () => {
    const file = fileWith('{"b":1}\n{oops\n{"a":true}\n')
    expect(jsonFormat.inferSchema([file], options()).simpleString()).toBe(
      'struct<_corrupt_record:string,a:boolean,b:long>',
    )
    expect(jsonFormat.inferSchema([file], options({ columnNameOfCorruptRecord: 'zz' })).names).toEqual([
      'a',
      'b',
      'zz',
    ])
    expect(jsonFormat.inferSchema([file], options({ mode: 'DROPMALFORMED' })).simpleString()).toBe(
      'struct<a:boolean,b:long>',
    )
    const e = thrown(() => jsonFormat.inferSchema([file], options({ mode: 'FAILFAST' })))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(`${file}, line 2`)
  })

  it('reads only the first records of each file unless told otherwise', () => {
    const lines = Array.from({ length: 1500 }, (_, i) => (i === 1200 ? '{"late":1}' : `{"n":${i}}`))
    const file = fileWith(`${lines.join('\n')}\n`)
    expect(jsonFormat.inferSchema([file], options()).names).toEqual(['n'])
    expect(jsonFormat.inferSchema([file], options({ inferSchemaMaxRecordsPerFile: -1 })).names).toEqual([
      'late',
      'n',
    ])
    expect(jsonFormat.inferSchema([file], options({ inferSchemaMaxRecordsPerFile: 2000 })).names).toEqual([
      'late',
      'n',
    ])
  })

  it('samples a share of the records with samplingRatio', () => {
    const lines = Array.from({ length: 100 }, (_, i) => (i % 2 === 1 ? `{"odd${i}":1}` : '{"even":1}'))
    const file = fileWith(lines.join('\n'))
    expect(jsonFormat.inferSchema([file], options({ samplingRatio: 0.5 })).names).toEqual(['even'])
    expect(jsonFormat.inferSchema([file], options()).names.length).toBe(51)
    expect(thrown(() => jsonFormat.inferSchema([file], options({ samplingRatio: 0 }))).message).toContain(
      'samplingRatio',
    )
  })

  it('gives an empty schema for empty files', () => {
    expect(jsonFormat.inferSchema([fileWith(''), fileWith('\n\n')], options()).length).toBe(0)
  })

  it('infers from a multiLine document', () => {
    const file = fileWith('[{"a":1},\n{"b":"x"}]')
    expect(jsonFormat.inferSchema([file], options({ multiLine: true })).simpleString()).toBe(
      'struct<a:long,b:string>',
    )
  })

  it('reads back what it infers', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'x.json')
    writeFileSync(file, '{"id":1,"tags":["a"],"at":{"x":2.5}}\n{"id":2,"tags":[],"at":null}\n')
    const inferred = jsonFormat.inferSchema([file], options())
    const { rows } = await readRows(jsonFormat, file, inferred)
    expect(rows).toEqual([
      { at: { x: 2.5 }, id: 1, tags: ['a'] },
      { at: null, id: 2, tags: [] },
    ])
    expect(inferred).toBeInstanceOf(Schema)
  })
})
