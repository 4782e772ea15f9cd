/** from_json, to_json and get_json_object against Spark's documented results ("doc"). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { arrayOf, functions as F, IntType, lit, mapOf, StringType, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { errorOf, frame, scalar, typeOf, values } from './eval.js'

const TZ = 'tributary.sql.session.timeZone'
const docs = (rows: (string | null)[], conf: Record<string, string> = {}) =>
  frame(
    newSession(conf),
    { j: { type: 'string', nullable: true } },
    rows.map((j) => ({ j })),
  )

describe('from_json', () => {
  it('doc: from_json(\'{"a":1, "b":0.8}\', \'a INT, b DOUBLE\')', async () => {
    const df = docs(['{"a":1, "b":0.8}'])
    const s = schema({ a: 'int', b: 'double' })
    expect(await values(df, F.from_json('j', s))).toEqual([{ a: 1, b: 0.8 }])
    expect(typeOf(df, F.from_json('j', s))).toBe('struct<a:int,b:double>')
  })

  it('malformed JSON and null give null; missing fields and fields of the wrong type give null fields', async () => {
    const df = docs([
      '{"a" 1}',
      '',
      null,
      '{"b":2}',
      '{"a":"x","b":true}',
      '{"a":1.5,"b":"NaN"}',
      '[1]',
      '{"a":3000000000}',
    ])
    const s = schema({ a: 'int', b: 'double' })
    expect(await values(df, F.from_json('j', s))).toEqual([
      null,
      null,
      null,
      { a: null, b: 2 },
      { a: null, b: null },
      { a: null, b: Number.NaN },
      null,
      { a: null, b: null },
    ])
  })

  it('nested structs, arrays, maps, strings holding JSON text, and timestamps in the session zone', async () => {
    const df = docs(
      [
        '{"id":7,"tags":["x","y"],"attrs":{"k":1,"l":null},"inner":{"when":"2015-08-26 00:00:00","n":{"deep":true}}}',
      ],
      { [TZ]: 'America/Los_Angeles' },
    )
    const s = schema({
      id: 'long',
      tags: { array: 'string' },
      attrs: { map: 'int' },
      inner: { struct: { when: 'timestamp', n: 'string' } },
      missing: { array: 'int' },
    })
    expect(await values(df, F.from_json('j', s))).toEqual([
      {
        id: 7,
        tags: ['x', 'y'],
        attrs: { k: 1, l: null },
        inner: { when: new Date('2015-08-26T07:00:00Z'), n: '{"deep":true}' },
        missing: null,
      },
    ])
  })

  it('an array schema reads arrays, and a single object as a one-element array of structs (as Spark)', async () => {
    const df = docs(['[{"a":1},{"a":2}]', '{"a":3}', '[]', '"x"'])
    expect(await values(df, F.from_json('j', arrayOf(schema({ a: 'int' }).asStructType())))).toEqual([
      [{ a: 1 }, { a: 2 }],
      [{ a: 3 }],
      [],
      null,
    ])
    expect(await values(docs(['[1,"2",3]']), F.from_json('j', arrayOf(IntType)))).toEqual([[1, null, 3]])
  })

  it('a map schema', async () => {
    const df = docs(['{"a":1,"b":2}', '{"__proto__":5}'])
    const out = await values(df, F.from_json('j', mapOf(StringType, IntType)))
    expect(out[0]).toEqual({ a: 1, b: 2 })
    // A key named __proto__ is data, not the object's prototype.
    expect(Object.keys(out[1] as object)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(out[1])).toBe(Object.prototype)
  })

  it('needs a struct, array or map schema', async () => {
    const df = docs(['1'])
    expect(await errorOf(df, F.from_json('j', IntType))).toBe(
      'DATATYPE_MISMATCH: from_json needs a struct, array or map schema, but got int. Pass a schema({...}) or a struct/array/map DataType.',
    )
  })
})

describe('to_json', () => {
  it('doc: to_json(named_struct("a", 1, "b", 2)), of an array of structs, of a map', async () => {
    const df = frame(newSession(), { a: 'int', b: 'int' }, [{ a: 1, b: 2 }])
    expect(await values(df, F.to_json(F.struct('a', 'b')))).toEqual(['{"a":1,"b":2}'])
    expect(await values(df, F.to_json(F.array(F.struct('a', 'b'))))).toEqual(['[{"a":1,"b":2}]'])
    const m = frame(newSession(), { m: { map: { struct: { b: 'int' } } } }, [{ m: { a: { b: 1 } } }])
    expect(await values(m, F.to_json('m'))).toEqual(['{"a":{"b":1}}'])
  })

  it('leaves out null struct fields, prints doubles as Java does, timestamps in the session zone', async () => {
    const rows = [
      { s: 'x"y', d: 1, n: null, t: new Date('2015-08-26T00:00:00Z'), day: new Date('2015-08-26T00:00:00Z') },
    ]
    const spec = {
      s: 'string',
      d: 'double',
      n: { type: 'int', nullable: true },
      t: 'timestamp',
      day: 'date',
    } as const
    const utc = frame(newSession(), spec, rows)
    const c = F.to_json(F.struct('s', 'd', 'n', 't', 'day'))
    expect(await values(utc, c)).toEqual([
      '{"s":"x\\"y","d":1.0,"t":"2015-08-26T00:00:00.000Z","day":"2015-08-26"}',
    ])
    const la = frame(newSession({ [TZ]: 'America/Los_Angeles' }), spec, rows)
    expect(await values(la, c)).toEqual([
      '{"s":"x\\"y","d":1.0,"t":"2015-08-25T17:00:00.000-07:00","day":"2015-08-26"}',
    ])
  })

  it('writes null array elements and map values, and NaN as a string', async () => {
    const df = frame(newSession(), { xs: { array: 'double' }, m: { map: 'string' } }, [
      { xs: [1.5, Number.NaN, null as unknown as number], m: { k: null as unknown as string } },
    ])
    expect(await values(df, F.to_json('xs'))).toEqual(['[1.5,"NaN",null]'])
    expect(await values(df, F.to_json('m'))).toEqual(['{"k":null}'])
  })

  it('refuses a plain value', async () => {
    const df = frame(newSession(), { a: 'int' }, [{ a: 1 }])
    expect(await errorOf(df, F.to_json('a'))).toBe(
      'DATATYPE_MISMATCH: the first argument of to_json must be a struct, an array or a map, but a is int. Wrap the columns with struct(...) first.',
    )
  })
})

describe('get_json_object', () => {
  it('doc: get_json_object(\'{"a":"b"}\', \'$.a\') = "b"', async () => {
    expect(await scalar(newSession(), F.get_json_object(lit('{"a":"b"}'), '$.a'))).toBe('b')
  })

  it('paths into objects and arrays; objects come back as JSON text, scalars as text', async () => {
    const doc = '{"a":{"b":[10, 1.0, {"c":"d"}], "e": true, "n": null, "k.y": 2}, "z": "w"}'
    const df = docs([doc, '{"a":1}', 'not json', null])
    const get = (p: string) => values(df, F.get_json_object('j', p))
    expect(await get('$.a.b[0]')).toEqual(['10', null, null, null])
    expect(await get('$.a.b[1]')).toEqual(['1.0', null, null, null])
    expect(await get('$.a.b[2]')).toEqual(['{"c":"d"}', null, null, null])
    expect(await get('$.a.b[2].c')).toEqual(['d', null, null, null])
    expect(await get('$.a.b')).toEqual(['[10,1.0,{"c":"d"}]', null, null, null])
    expect(await get('$.a.e')).toEqual(['true', null, null, null])
    expect(await get('$.a.n')).toEqual([null, null, null, null])
    expect(await get("$['a']['k.y']")).toEqual(['2', null, null, null])
    expect(await get('$.a.b[9]')).toEqual([null, null, null, null])
    expect(await get('$.missing')).toEqual([null, null, null, null])
    expect(await get('$.a')).toEqual(['{"b":[10,1.0,{"c":"d"}],"e":true,"n":null,"k.y":2}', '1', null, null])
    expect(await get('$')).toEqual([
      '{"a":{"b":[10,1.0,{"c":"d"}],"e":true,"n":null,"k.y":2},"z":"w"}',
      '{"a":1}',
      null,
      null,
    ])
  })

  it('wildcards collect matches into an array', async () => {
    const df = docs(['{"a":[{"b":1},{"b":2},{"c":3}]}', '{"a":[{"b":1}]}'])
    expect(await values(df, F.get_json_object('j', '$.a[*].b'))).toEqual(['[1,2]', '1'])
    expect(await values(df, F.get_json_object('j', '$.a[*]'))).toEqual([
      '[{"b":1},{"b":2},{"c":3}]',
      '{"b":1}',
    ])
  })

  it('a literal path it cannot read is an error', async () => {
    expect(await errorOf(docs(['{}']), F.get_json_object('j', 'a.b'))).toBe(
      "INVALID_PARAMETER_VALUE: get_json_object cannot read the path 'a.b'. Use $ followed by .name, ['name'], [index] or [*], e.g. '$.a.b[0]'.",
    )
  })
})

describe('properties', () => {
  it('from_json(to_json(struct)) gives the struct back', async () => {
    const session = newSession()
    const spec = {
      a: { type: 'int', nullable: true },
      s: { type: 'string', nullable: true },
      xs: { array: 'double' },
    } as const
    const row = fc.record({
      a: fc.option(fc.integer(), { nil: null }),
      s: fc.option(fc.string(), { nil: null }),
      xs: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 10 }), async (rows) => {
        const df = frame(session, spec, rows)
        const back = await values(df, F.from_json(F.to_json(F.struct('a', 's', 'xs')), schema(spec)))
        expect(back).toEqual(rows)
      }),
      { numRuns: 40 },
    )
  })

  it('get_json_object of a top-level key gives the value back', async () => {
    const session = newSession()
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !/['\][.]/.test(k)),
          fc.string(),
        ),
        async (obj) => {
          const df = frame(session, { j: 'string' }, [{ j: JSON.stringify(obj) }])
          for (const [k, v] of Object.entries(obj)) {
            expect(await values(df, F.get_json_object('j', `$['${k}']`))).toEqual([v])
          }
        },
      ),
      { numRuns: 30 },
    )
  })
})
