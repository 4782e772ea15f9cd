/**
 * from_avro and to_avro (issue #17), as spark-avro has them: round trips through Avro
 * binary for every type the mapping covers, a property test over generated records, the
 * Confluent wire format with writer schemas per id (schema evolution), and the errors a
 * user meets. The registry client is tested in schema-registry.test.ts.
 */

import avro from 'avsc'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { col, functions as F, MalformedRecordError, nullable, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'placed', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'int' } },
    { name: 'payload', type: 'bytes' },
    { name: 'ship', type: { type: 'record', name: 'Ship', fields: [{ name: 'city', type: 'string' }] } },
  ],
}
const orderType = avro.Type.forSchema(orderSchema as avro.Schema)

const order = {
  id: 7,
  customer: 'ada',
  amount: 12.5,
  note: null,
  placed: new Date('2026-12-07T10:00:00.000Z'),
  day: new Date('2026-12-07T00:00:00.000Z'),
  status: 'PAID',
  tags: ['a', 'b'],
  attrs: { qty: 2 },
  payload: new Uint8Array([1, 2, 3]),
  ship: { city: 'Lyon' },
}

/** What avsc (another Avro writer) makes of an order: longs as numbers, time as numbers. */
const encodedByAvsc = (o: typeof order) =>
  new Uint8Array(
    orderType.toBuffer({
      ...o,
      placed: o.placed.getTime(),
      day: Math.floor(o.day.getTime() / 86_400_000),
      payload: Buffer.from(o.payload),
    }),
  )

const bytesFrame = (values: (Uint8Array | null)[]) =>
  newSession().createDataFrame(
    values.map((value) => ({ value })),
    schema({ value: nullable('binary') }),
  )

describe('from_avro', () => {
  it('decodes records written by another Avro library into typed structs', async () => {
    const df = bytesFrame([encodedByAvsc(order), null])
    const decoded = df.select(F.from_avro<typeof order>(col('value'), orderSchema).alias('order'))
    expect(decoded.schema.field('order').type).toMatchObject({ kind: 'struct' })
    expect(decoded.schema.simpleString()).toBe(
      'struct<order:struct<id:long,customer:string,amount:double,note:string,placed:timestamp,day:date,status:string,tags:array<string>,attrs:map<string,int>,payload:binary,ship:struct<city:string>>>',
    )
    const rows = await decoded.collect()
    expect(rows).toEqual([{ order }, { order: null }])
    // Fields can be selected like any struct's.
    const flat = await decoded.select(col('order.customer'), col('order.ship.city')).collect()
    expect(flat).toEqual([
      { customer: 'ada', city: 'Lyon' },
      { customer: null, city: null },
    ])
  })

  it('to_avro then from_avro gives the rows back, and avsc reads what to_avro wrote', async () => {
    const df = bytesFrame([encodedByAvsc(order)]).select(
      F.from_avro(col('value'), orderSchema).alias('order'),
    )
    const encoded = df.select(F.to_avro(col('order'), orderSchema).alias('bytes'))
    const [{ bytes }] = await encoded.collect()
    expect(orderType.fromBuffer(Buffer.from(bytes)).customer).toBe('ada')
    const back = await encoded.select(F.from_avro(col('bytes'), orderSchema).alias('order')).collect()
    expect(back).toEqual([{ order }])
  })

  it('round-trips generated records through a schema derived from the column type', async () => {
    const rowSchema = schema({
      id: 'long',
      name: nullable('string'),
      score: 'double',
      at: 'timestamp',
      tags: { array: 'string' },
    })
    const record = fc.record({
      id: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      name: fc.option(fc.string(), { nil: null }),
      score: fc.double({ noNaN: true }),
      at: fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }),
      tags: fc.array(fc.string(), { maxLength: 3 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 8 }), async (rows) => {
        const session = newSession()
        const df = session.createDataFrame(rows, rowSchema)
        const packed = df.select(F.to_avro(F.struct('id', 'name', 'score', 'at', 'tags')).alias('v'))
        const unpacked = packed.select(
          F.from_avro(
            col('v'),
            // What to_avro derives for this struct (spark-avro's naming; columns are nullable).
            {
              type: 'record',
              name: 'topLevelRecord',
              fields: [
                { name: 'id', type: ['null', 'long'] },
                { name: 'name', type: ['null', 'string'] },
                { name: 'score', type: ['null', 'double'] },
                { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
                { name: 'tags', type: ['null', { type: 'array', items: ['null', 'string'] }] },
              ],
            },
          ).alias('r'),
        )
        const out = (await unpacked.collect()).map((r) => r.r)
        expect(out).toEqual(rows)
      }),
      { numRuns: 25 },
    )
  })

  it('FAILFAST stops at a malformed record, naming it; PERMISSIVE gives null', async () => {
    const bad = new Uint8Array([0xff, 0xff, 0xff])
    const df = bytesFrame([encodedByAvsc(order), bad])
    await expect(df.select(F.from_avro(col('value'), orderSchema)).collect()).rejects.toThrow(
      MalformedRecordError,
    )
    await expect(df.select(F.from_avro(col('value'), orderSchema)).collect()).rejects.toThrow(
      /AVRO_MALFORMED_RECORD: a record \(starting ffffff\) cannot be decoded/,
    )
    const rows = await df
      .select(F.from_avro(col('value'), orderSchema, { mode: 'PERMISSIVE' }).alias('o'))
      .collect()
    expect(rows.map((r) => r.o === null)).toEqual([false, true])
  })

  it('refuses schemas it cannot read or map, at analysis', () => {
    const df = bytesFrame([])
    expect(() => df.select(F.from_avro(col('value'), '{"type":"record"'))).toThrow(/AVRO_INVALID_SCHEMA/)
    expect(() => df.select(F.from_avro(col('value'), ['int', 'string']))).toThrow(
      /AVRO_UNSUPPORTED_TYPE: 'value' has Avro type union/,
    )
    expect(() =>
      newSession()
        .createDataFrame([{ s: 'x' }], schema({ s: 'string' }))
        .select(F.from_avro(col('s'), orderSchema)),
    ).toThrow(/DATATYPE_MISMATCH/)
  })

  it('to_avro names the field that does not fit the schema', async () => {
    const df = newSession().createDataFrame(
      [{ id: 1, name: null }],
      schema({ id: 'long', name: nullable('string') }),
    )
    const strict = {
      type: 'record',
      name: 'R',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'name', type: 'string' },
      ],
    }
    await expect(df.select(F.to_avro(F.struct('id', 'name'), strict)).collect()).rejects.toThrow(
      /AVRO_TYPE_MISMATCH: .*name does not fit/,
    )
  })
})

describe("Confluent's wire format", () => {
  const v1 = { type: 'record', name: 'Click', fields: [{ name: 'user', type: 'string' }] }
  const v2 = {
    type: 'record',
    name: 'Click',
    fields: [
      { name: 'user', type: 'string' },
      { name: 'page', type: 'string', default: '/' },
    ],
  }
  const framed = (id: number, type: avro.Type, value: unknown) => {
    const body = type.toBuffer(value)
    const out = Buffer.alloc(5 + body.length)
    out.writeUInt8(0, 0)
    out.writeUInt32BE(id, 1)
    body.copy(out, 5)
    return new Uint8Array(out)
  }

  it('reads records of several writer schemas by id with one reader schema (evolution)', async () => {
    const t1 = avro.Type.forSchema(v1 as avro.Schema)
    const t2 = avro.Type.forSchema(v2 as avro.Schema)
    const df = bytesFrame([framed(1, t1, { user: 'ada' }), framed(2, t2, { user: 'bob', page: '/cart' })])
    const rows = await df
      .select(
        F.from_avro(col('value'), v2, { wireFormat: 'confluent', schemas: { 1: v1, 2: v2 } }).alias('c'),
      )
      .collect()
    expect(rows).toEqual([{ c: { user: 'ada', page: '/' } }, { c: { user: 'bob', page: '/cart' } }])
  })

  it('writes the magic byte and schema id, and reads them back', async () => {
    const df = newSession().createDataFrame(
      [{ user: 'ada', page: '/x' }],
      schema({ user: 'string', page: 'string' }),
    )
    const [{ v }] = await df
      .select(F.to_avro(F.struct('user', 'page'), v2, { wireFormat: 'confluent', schemaId: 42 }).alias('v'))
      .collect()
    expect([...v.subarray(0, 5)]).toEqual([0, 0, 0, 0, 42])
    const back = await bytesFrame([v])
      .select(F.from_avro(col('value'), v2, { wireFormat: 'confluent', schemas: { 42: v2 } }).alias('c'))
      .collect()
    expect(back).toEqual([{ c: { user: 'ada', page: '/x' } }])
  })

  it('names what is wrong: no magic byte, an id the schemas do not list, incompatible schemas', async () => {
    const t1 = avro.Type.forSchema(v1 as avro.Schema)
    const bare = new Uint8Array(t1.toBuffer({ user: 'ada' }))
    await expect(
      bytesFrame([bare])
        .select(F.from_avro(col('value'), v1, { wireFormat: 'confluent', schemas: { 1: v1 } }))
        .collect(),
    ).rejects.toThrow(/AVRO_WIRE_FORMAT: .*magic byte 0/)
    await expect(
      bytesFrame([framed(9, t1, { user: 'ada' })])
        .select(F.from_avro(col('value'), v1, { wireFormat: 'confluent', schemas: { 1: v1 } }))
        .collect(),
    ).rejects.toThrow(/AVRO_UNKNOWN_SCHEMA: a record carries schema id 9, .*it has 1/)
    const noDefault = {
      type: 'record',
      name: 'Click',
      fields: [
        { name: 'user', type: 'string' },
        { name: 'n', type: 'int' },
      ],
    }
    await expect(
      bytesFrame([framed(1, t1, { user: 'ada' })])
        .select(F.from_avro(col('value'), noDefault, { wireFormat: 'confluent', schemas: { 1: v1 } }))
        .collect(),
    ).rejects.toThrow(/AVRO_INCOMPATIBLE_SCHEMA/)
  })
})
