import { readFileSync, writeFileSync } from 'node:fs'
import { parquetMetadata } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { parquetFormat } from '../../src/formats/codecs/parquet.js'
import { NullType } from '../../src/types/data-types.js'
import { Schema, schema } from '../../src/types/schema.js'
import { AnalysisError, MalformedRecordError, OptionError, TributaryError } from '../../src/util/errors.js'
import { fileWith, freshPath, options, readRows, rejection, roundTrip, thrown } from './codec-helpers.js'

const T = (iso: string) => new Date(iso)

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
  arr: { array: 'long' },
  st: { struct: { name: 'string', at: 'timestamp', day: 'date', tags: { array: 'string' } } },
  m: { map: 'double' },
  deep: { array: { struct: { k: 'int', vs: { array: 'double' } } } },
})

const allRows = [
  {
    s: 'héllo ✓',
    b: true,
    i: -2147483648,
    l: 9007199254740991,
    f: 1.5,
    d: 0.1,
    ts: T('2024-01-15T10:20:30.123Z'),
    dt: T('2024-02-29T00:00:00Z'),
    bin: new Uint8Array([0, 1, 254, 255]),
    arr: [1, null, -3],
    st: { name: 'x', at: T('1969-12-31T23:59:59.999Z'), day: T('2000-01-01T00:00:00Z'), tags: ['a', null] },
    m: { k: 2.5, z: null },
    deep: [{ k: 1, vs: [0.5] }, null, { k: null, vs: [] }],
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
    deep: null,
  },
  {
    s: '',
    b: false,
    i: 7,
    l: -1,
    f: Number.NEGATIVE_INFINITY,
    d: Number.NaN,
    ts: T('1900-01-01T00:00:00Z'),
    dt: T('1970-01-01T00:00:00Z'),
    bin: new Uint8Array([]),
    arr: [],
    st: { name: null, at: null, day: null, tags: null },
    m: {},
    deep: [],
  },
]

function codecOf(file: string): string {
  const bytes = readFileSync(file)
  const md = parquetMetadata(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
  )
  return md.row_groups[0].columns[0].meta_data!.codec
}

describe('parquet: round trip', () => {
  for (const compression of ['snappy', 'uncompressed', 'gzip', 'brotli']) {
    it(`keeps every type, nested ones and nulls included (${compression})`, async () => {
      const back = await roundTrip(parquetFormat, all, allRows, { compression })
      expect(back.rows).toEqual(allRows)
      expect(codecOf(back.file)).toBe(compression.toUpperCase())
    })
  }

  it('snappy is the default', async () => {
    const back = await roundTrip(parquetFormat, schema({ a: 'int' }), [{ a: 1 }])
    expect(codecOf(back.file)).toBe('SNAPPY')
  })

  it("writes Spark's physical types: INT64 longs, TIMESTAMP(MILLIS), DATE, three-level lists, optional columns", async () => {
    const s = schema({ l: 'long', ts: 'timestamp', d: 'date', a: { array: 'int' } })
    const back = await roundTrip(parquetFormat, s, [
      { l: 1, ts: T('2024-01-01T00:00:00Z'), d: T('2024-01-01T00:00:00Z'), a: [1] },
    ])
    const bytes = readFileSync(back.file)
    const md = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
    )
    const byName = new Map(md.schema.map((e) => [e.name, e]))
    expect(byName.get('l')).toMatchObject({ type: 'INT64', repetition_type: 'OPTIONAL' })
    expect(byName.get('ts')).toMatchObject({
      type: 'INT64',
      logical_type: { type: 'TIMESTAMP', unit: 'MILLIS' },
    })
    expect(byName.get('d')).toMatchObject({ type: 'INT32', converted_type: 'DATE' })
    expect(byName.get('a')).toMatchObject({ converted_type: 'LIST' })
    expect(byName.get('list')).toMatchObject({ repetition_type: 'REPEATED' })
    expect(byName.get('element')).toMatchObject({ type: 'INT32' })
  })

  it('writes and reads an empty batch', async () => {
    const back = await roundTrip(parquetFormat, all, [])
    expect(back.rows).toEqual([])
  })

  it('reads many row groups into one batch', async () => {
    const n = 2500
    const file = freshPath('groups.parquet')
    writeFileSync(
      file,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i), type: 'INT32' },
            {
              name: 'txt',
              data: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `v${i}`)),
              type: 'STRING',
            },
          ],
          rowGroupSize: 1000,
        }),
      ),
    )
    const { rows } = await readRows(parquetFormat, file, schema({ id: 'int', txt: 'string' }))
    expect(rows.length).toBe(n)
    expect(rows[1999]).toEqual({ id: 1999, txt: 'v1999' })
    expect(rows[2001]).toEqual({ id: 2001, txt: null })
  })

  it('refuses a compression it cannot write, and a column of nulls only', async () => {
    const e = await rejection(
      parquetFormat.write(
        ColumnarBatch.fromRows(schema({ a: 'int' }), [{ a: 1 }]),
        freshPath('x.parquet'),
        options({ compression: 'zstd' }),
      ),
    )
    expect(e).toBeInstanceOf(OptionError)
    expect(e.message).toContain("'snappy'")
    const voidSchema = new Schema([{ name: 'v', type: NullType, nullable: true }])
    const v = await rejection(
      parquetFormat.write(
        ColumnarBatch.fromRows(voidSchema, [{ v: null }]),
        freshPath('v.parquet'),
        options(),
      ),
    )
    expect(v).toBeInstanceOf(AnalysisError)
    expect(v.message).toContain("column 'v'")
  })
})

/** A file written by hyparquet-writer with parquet types our own writer never produces. */
function foreignFile(): string {
  const file = freshPath('foreign.parquet')
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'micros', data: [1_705_312_800_123_456n, null] },
      { name: 'nanos', data: [1_705_312_800_123_456_789n, -1n] },
      { name: 'dec', data: [12.34, null] },
      { name: 'u32', data: [4_000_000_000, 1] },
      { name: 'raw', data: [new Uint8Array([1, 2]), null] },
      { name: 'json', data: [{ a: 1 }, null] },
      { name: 'small', data: [-5, 7] },
      { name: 'Mixed_Case', data: ['m', 'n'] },
    ],
    schema: [
      { name: 'root', num_children: 8 },
      { name: 'micros', type: 'INT64', converted_type: 'TIMESTAMP_MICROS', repetition_type: 'OPTIONAL' },
      {
        name: 'nanos',
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' },
        repetition_type: 'REQUIRED',
      },
      {
        name: 'dec',
        type: 'INT32',
        converted_type: 'DECIMAL',
        scale: 2,
        precision: 6,
        repetition_type: 'OPTIONAL',
      },
      { name: 'u32', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'REQUIRED' },
      { name: 'raw', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'json', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'OPTIONAL' },
      { name: 'small', type: 'INT32', converted_type: 'INT_8', repetition_type: 'REQUIRED' },
      { name: 'Mixed_Case', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    ],
  })
  writeFileSync(file, new Uint8Array(buffer))
  return file
}

/**
 * A zstd frame holding the input as raw (stored) blocks: valid zstd that any decoder
 * reads, enough to prove that ZSTD files are read. Node 20 has no zstd compressor.
 */
function zstdStored(input: Uint8Array): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0]
  const size = input.length
  parts.push(size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, (size >>> 24) & 0xff)
  const blockMax = 128 * 1024
  let offset = 0
  do {
    const n = Math.min(blockMax, size - offset)
    const last = offset + n >= size ? 1 : 0
    const header = last | (n << 3)
    parts.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff)
    for (let i = 0; i < n; i++) parts.push(input[offset + i])
    offset += n
  } while (offset < size)
  return Uint8Array.from(parts)
}

describe('parquet: reading files from other writers', () => {
  it('reads ZSTD-compressed files', async () => {
    const file = freshPath('zstd.parquet')
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [1, 2, null], type: 'INT32' },
        { name: 'name', data: ['a', null, 'c'], type: 'STRING' },
      ],
      codec: 'ZSTD',
      compressors: { ZSTD: zstdStored },
    })
    writeFileSync(file, new Uint8Array(buffer))
    expect(codecOf(file)).toBe('ZSTD')
    const { rows } = await readRows(parquetFormat, file, schema({ id: 'int', name: 'string' }))
    expect(rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: null },
      { id: null, name: 'c' },
    ])
  })

  it('infers types from the footer as Spark maps them', () => {
    const inferred = parquetFormat.inferSchema([foreignFile()], options())
    expect(inferred.simpleString()).toBe(
      'struct<micros:timestamp,nanos:timestamp,dec:double,u32:long,raw:binary,json:string,small:int,Mixed_Case:string>',
    )
  })

  it('reads their values in the engine form', async () => {
    const file = foreignFile()
    const { rows } = await readRows(parquetFormat, file, parquetFormat.inferSchema([file], options()))
    expect(rows).toEqual([
      {
        micros: T('2024-01-15T10:00:00.123Z'),
        nanos: T('2024-01-15T10:00:00.123Z'),
        dec: 12.34,
        u32: 4_000_000_000,
        raw: new Uint8Array([1, 2]),
        json: '{"a":1}',
        small: -5,
        Mixed_Case: 'm',
      },
      {
        micros: null,
        nanos: T('1969-12-31T23:59:59.999Z'),
        dec: null,
        u32: 1,
        raw: null,
        json: null,
        small: 7,
        Mixed_Case: 'n',
      },
    ])
  })

  it('selects columns by name: a subset, another order, missing ones as null, case ignored when unambiguous', async () => {
    const file = foreignFile()
    const s = schema({ mixed_case: 'string', nope: 'int', small: 'long', dec: 'double' })
    const { rows } = await readRows(parquetFormat, file, s)
    expect(rows).toEqual([
      { mixed_case: 'm', nope: null, small: -5, dec: 12.34 },
      { mixed_case: 'n', nope: null, small: 7, dec: null },
    ])
  })

  it('refuses a declared type the stored one cannot be read as, naming the column, the file and both types', async () => {
    const file = foreignFile()
    const e = await rejection(readRows(parquetFormat, file, schema({ Mixed_Case: 'int' })))
    expect(e).toBeInstanceOf(TributaryError)
    expect(e.message).toContain("column 'Mixed_Case'")
    expect(e.message).toContain(file)
    expect(e.message).toContain('holds string')
    expect(e.message).toContain('declared int')
  })

  it('reads nested struct fields by name, missing ones as null, numbers widened', async () => {
    const source = schema({ st: { struct: { a: 'int', b: 'string' } } })
    const back = await roundTrip(parquetFormat, source, [{ st: { a: 1, b: 'x' } }])
    const wider = schema({ st: { struct: { b: 'string', c: 'boolean', a: 'double' } } })
    const { rows } = await readRows(parquetFormat, back.file, wider)
    expect(rows).toEqual([{ st: { b: 'x', c: null, a: 1 } }])
  })
})

describe('parquet: damaged files', () => {
  async function goodBytes(): Promise<Buffer> {
    const back = await roundTrip(parquetFormat, all, allRows)
    return readFileSync(back.file)
  }

  it('a truncated file fails naming the file under FAILFAST and PERMISSIVE', async () => {
    const bytes = await goodBytes()
    const file = fileWith(bytes.subarray(0, bytes.length - 20), 'cut.parquet')
    for (const mode of ['FAILFAST', 'PERMISSIVE']) {
      const e = await rejection(readRows(parquetFormat, file, all, { mode }))
      expect(e).toBeInstanceOf(MalformedRecordError)
      expect(e.message).toContain(file)
      expect(e.message).toContain('not a readable parquet file')
      expect(e.message).toContain('DROPMALFORMED')
    }
  })

  it('DROPMALFORMED skips an unreadable file and counts it as one dropped record', async () => {
    const file = fileWith(Buffer.from('not parquet at all'), 'junk.parquet')
    const result = await parquetFormat.read(file, all, options({ mode: 'DROPMALFORMED' }))
    expect(result.batch.numRows).toBe(0)
    expect(result.batch.schema.simpleString()).toBe(all.simpleString())
    expect(result.droppedMalformed).toBe(1)
  })

  it('damaged pages inside an intact footer are reported the same way', async () => {
    const bytes = Buffer.from(await goodBytes())
    for (let i = 8; i < bytes.length / 2; i++) bytes[i] ^= 0x5a
    const file = fileWith(bytes, 'flipped.parquet')
    const e = await rejection(readRows(parquetFormat, file, all, { mode: 'FAILFAST' }))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(file)
  })

  it('an empty or truncated file cannot give a schema: the error names it', async () => {
    const empty = fileWith(new Uint8Array(0), 'empty.parquet')
    const e = thrown(() => parquetFormat.inferSchema([empty], options()))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(empty)
    expect(e.message).toContain('fewer than the 12')
    const bytes = await goodBytes()
    const cut = fileWith(bytes.subarray(0, bytes.length - 3), 'cut.parquet')
    expect(thrown(() => parquetFormat.inferSchema([cut], options())).message).toContain('PAR1')
    const good = fileWith(bytes, 'good.parquet')
    expect(parquetFormat.inferSchema([cut, good], options({ mode: 'DROPMALFORMED' })).simpleString()).toBe(
      all.simpleString(),
    )
  })
})

describe('parquet: schema inference', () => {
  it("takes the first file's schema, or merges all with mergeSchema", async () => {
    const a = await roundTrip(parquetFormat, schema({ id: 'int', x: 'string' }), [{ id: 1, x: 'a' }])
    const b = await roundTrip(parquetFormat, schema({ id: 'long', y: 'double' }), [{ id: 2, y: 2.5 }])
    expect(parquetFormat.inferSchema([a.file, b.file], options()).simpleString()).toBe(
      'struct<id:int,x:string>',
    )
    expect(parquetFormat.inferSchema([a.file, b.file], options({ mergeSchema: true })).simpleString()).toBe(
      'struct<id:long,x:string,y:double>',
    )
  })

  it('refuses to merge types that do not fit together', async () => {
    const a = await roundTrip(parquetFormat, schema({ id: 'int' }), [{ id: 1 }])
    const b = await roundTrip(parquetFormat, schema({ id: 'string' }), [{ id: 'x' }])
    const e = thrown(() => parquetFormat.inferSchema([a.file, b.file], options({ mergeSchema: true })))
    expect(e).toBeInstanceOf(AnalysisError)
    expect(e.message).toContain("column 'id' is int in earlier files but string in")
  })

  it('reads only the footer', async () => {
    const back = await roundTrip(parquetFormat, all, allRows)
    const bytes = readFileSync(back.file)
    // Damage everything before the footer: inference must not notice.
    const footerLength = bytes.readUInt32LE(bytes.length - 8)
    const damaged = Buffer.from(bytes)
    damaged.fill(0, 4, bytes.length - footerLength - 8)
    const file = fileWith(damaged, 'damaged.parquet')
    expect(parquetFormat.inferSchema([file], options()).simpleString()).toBe(all.simpleString())
  })
})
