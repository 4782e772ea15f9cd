import { describe, expect, it } from 'vitest'
import { AnalysisError, col, count, functions as F, lit, schema, when } from '../../src/index.js'
import { newSession } from '../helpers.js'

const people = schema({ name: 'string', age: 'int', city: 'string', score: 'double' })
const rows = [
  { name: 'ann', age: 34, city: 'Oslo', score: 7.5 },
  { name: 'bob', age: 19, city: 'Rome', score: 3 },
  { name: 'cid', age: 51, city: 'Oslo', score: 9 },
  { name: 'dee', age: 27, city: 'Lima', score: 4.25 },
]

describe('DataFrame transformations (batch)', () => {
  it('select, where, withColumn, drop and rename produce the expected rows and schema', async () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    const out = df
      .where(col('age').geq(25))
      .withColumn('older', col('age').plus(10))
      .withColumnRenamed('city', 'town')
      .drop('score')
      .select('name', 'town', 'older')
    expect(out.columns).toEqual(['name', 'town', 'older'])
    expect(await out.collect()).toEqual([
      { name: 'ann', town: 'Oslo', older: 44 },
      { name: 'cid', town: 'Oslo', older: 61 },
      { name: 'dee', town: 'Lima', older: 37 },
    ])
  })

  it('withColumn replaces an existing column in place', async () => {
    const session = newSession()
    const out = session.createDataFrame(rows, people).withColumn('age', col('age').multiply(2))
    expect(out.columns).toEqual(['name', 'age', 'city', 'score'])
    expect((await out.collect()).map((r) => r.age)).toEqual([68, 38, 102, 54])
  })

  it('typed row predicates, map and flatMap call user functions with typed rows', async () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    const initials = df
      .where((r) => r.city === 'Oslo')
      .map(
        (r) => ({ initial: r.name[0].toUpperCase(), twice: r.age * 2 }),
        schema({ initial: 'string', twice: 'int' }),
      )
    expect(await initials.collect()).toEqual([
      { initial: 'A', twice: 68 },
      { initial: 'C', twice: 102 },
    ])
    const letters = df.flatMap((r) => [...r.name].map((ch) => ({ ch })), schema({ ch: 'string' }))
    expect(await letters.count()).toBe(12)
  })

  it('map refuses results that do not fit the declared schema, naming row and column', async () => {
    const session = newSession()
    const bad = session
      .createDataFrame(rows, people)
      .map((r) => ({ n: r.name as unknown as number }), schema({ n: 'double' }))
    await expect(bad.collect()).rejects.toThrow(/row 0, column 'n': expected double but found string/)
  })

  it('when/otherwise, isNull, isin, between and arithmetic follow SQL semantics', async () => {
    const session = newSession()
    const s = schema({ x: 'double', tag: 'string' })
    const df = session.createDataFrame(
      [
        { x: 1, tag: 'a' },
        { x: null as unknown as number, tag: 'b' },
        { x: 10, tag: null as unknown as string },
      ],
      s,
    )
    const out = await df
      .select(
        when(col('x').gt(5), 'big').when(col('x').isNull(), 'none').otherwise('small').alias('size'),
        col('tag').isin('a', 'c').alias('in'),
        col('x').between(0, 2).alias('low'),
        col('x').divide(0).alias('div0'),
        col('x').isNull().or(col('x').gt(100)).alias('either'),
      )
      .collect()
    expect(out).toEqual([
      { size: 'small', in: true, low: true, div0: null, either: false },
      { size: 'none', in: false, low: null, div0: null, either: true },
      { size: 'big', in: null, low: false, div0: null, either: false },
    ])
  })

  it('union matches by position and unionByName by name, filling missing columns with null', async () => {
    const session = newSession()
    const a = session.createDataFrame([{ k: 'a', v: 1 }], schema({ k: 'string', v: 'int' }))
    const b = session.createDataFrame([{ v: 2, k: 'b' }], schema({ v: 'int', k: 'string' }))
    const c = session.createDataFrame([{ k: 'c' }], schema({ k: 'string' }))
    expect(await a.unionByName(b).collect()).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ])
    expect(await a.unionByName(c, true).collect()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: null },
    ])
    expect(() => a.union(c as never)).toThrow(/NUM_COLUMNS_MISMATCH/)
  })

  it('orderBy, limit, distinct and dropDuplicates', async () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    expect((await df.orderBy(col('age').desc()).limit(2).collect()).map((r) => r.name)).toEqual([
      'cid',
      'ann',
    ])
    expect((await df.orderBy('city', col('score').desc()).collect()).map((r) => r.name)).toEqual([
      'dee',
      'cid',
      'ann',
      'bob',
    ])
    expect(await df.select('city').distinct().count()).toBe(3)
    expect((await df.dropDuplicates(['city']).collect()).map((r) => r.name)).toEqual(['ann', 'bob', 'dee'])
  })

  it('groupBy.agg computes count, sum, avg, min, max, countDistinct, first, last, collect_list', async () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    const out = await df
      .groupBy('city')
      .agg(
        count().alias('n'),
        F.sum('age').alias('ages'),
        F.avg('score').alias('avgScore'),
        F.min('name').alias('first_name'),
        F.max('age').alias('oldest'),
        F.countDistinct('name').alias('names'),
        F.first('name').alias('f'),
        F.last('name').alias('l'),
        F.collect_list('name').alias('all'),
      )
      .orderBy('city')
      .collect()
    expect(out).toEqual([
      {
        city: 'Lima',
        n: 1,
        ages: 27,
        avgScore: 4.25,
        first_name: 'dee',
        oldest: 27,
        names: 1,
        f: 'dee',
        l: 'dee',
        all: ['dee'],
      },
      {
        city: 'Oslo',
        n: 2,
        ages: 85,
        avgScore: 8.25,
        first_name: 'ann',
        oldest: 51,
        names: 2,
        f: 'ann',
        l: 'cid',
        all: ['ann', 'cid'],
      },
      {
        city: 'Rome',
        n: 1,
        ages: 19,
        avgScore: 3,
        first_name: 'bob',
        oldest: 19,
        names: 1,
        f: 'bob',
        l: 'bob',
        all: ['bob'],
      },
    ])
  })

  it('a global aggregate over no rows gives one row, as in SQL', async () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people).where(lit(false))
    expect(await df.agg(count().alias('n'), F.sum('age').alias('s')).collect()).toEqual([{ n: 0, s: null }])
  })

  it('groupBy on several keys, including nulls, groups like SQL', async () => {
    const session = newSession()
    const s = schema({ a: 'string', b: 'int' })
    const df = session.createDataFrame(
      [
        { a: 'x', b: 1 },
        { a: 'x', b: 1 },
        { a: null as unknown as string, b: 1 },
        { a: null as unknown as string, b: 1 },
        { a: 'x', b: null as unknown as number },
      ],
      s,
    )
    const out = await df.groupBy('a', 'b').count().collect()
    expect(out).toEqual([
      { a: 'x', b: 1, count: 2 },
      { a: null, b: 1, count: 2 },
      { a: 'x', b: null, count: 1 },
    ])
  })

  it('show prints a Spark-style table and returns it', async () => {
    const session = newSession()
    const text = await session.createDataFrame(rows.slice(0, 2), people).show()
    expect(text).toBe(
      [
        '+----+---+----+-----+',
        '|name|age|city|score|',
        '+----+---+----+-----+',
        '| ann| 34|Oslo|  7.5|',
        '| bob| 19|Rome|  3.0|',
        '+----+---+----+-----+',
        '',
      ].join('\n'),
    )
  })

  it('toArrow gives an Arrow table with the declared types', async () => {
    const session = newSession()
    const table = await session
      .createDataFrame(
        [{ ts: new Date(5000), n: 3, s: 'x' }],
        schema({ ts: 'timestamp', n: 'long', s: 'string' }),
      )
      .toArrow()
    expect(table.numRows).toBe(1)
    expect(table.schema.fields.map((f) => String(f.type))).toEqual([
      'Timestamp<MILLISECOND>',
      'Int64',
      'Utf8',
    ])
    expect(table.getChild('n')?.get(0)).toBe(3n)
    expect(table.getChild('ts')?.get(0)).toBe(5000)
  })

  it('explain shows the logical and physical plans', () => {
    const session = newSession()
    const text = session.createDataFrame(rows, people).where(col('age').gt(30)).select('name').explain(true)
    expect(text).toContain('== Logical Plan ==')
    expect(text).toContain('Filter (age > 30)')
    expect(text).toContain('== Physical Plan ==')
    expect(text).toMatch(/Project \[name\]\n\+- Filter \(age > 30\)\n {3}\+- LocalTableScan/)
  })
})

describe('analysis errors', () => {
  it('an unknown column fails at the call that names it, listing near matches and the columns', () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    let error: unknown
    try {
      df.select(col('nmae'))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AnalysisError)
    expect((error as AnalysisError).code).toBe('UNRESOLVED_COLUMN')
    expect((error as Error).message).toContain("column 'nmae' does not exist. Did you mean 'name'?")
    expect((error as Error).message).toContain("Available columns: 'name', 'age', 'city', 'score'")
  })

  it('type errors name the operands and suggest a cast', () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    expect(() => df.select(col('name').plus(1))).toThrow(
      /DATATYPE_MISMATCH: add needs numbers, but got name: string and 1: int/,
    )
    // An untyped col() passes the type checker; the analyzer refuses it as soon as where() is called.
    expect(() => df.where(col('age'))).toThrow(/filter condition age is int, not boolean/)
  })

  it('an unknown function names near matches', () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    expect(() => df.groupBy('city').agg(F.sum('age'), col('age'))).toThrow(/NOT_AN_AGGREGATE/)
    expect(() => df.select(F.count())).toThrow(/MISPLACED_AGGREGATE/)
  })

  it('createDataFrame checks values against the schema', () => {
    const session = newSession()
    expect(() =>
      session.createDataFrame([{ name: 'x', age: 'old', city: 'y', score: 1 }] as never, people),
    ).toThrow(/row 0, column 'age': expected int but found string "old"/)
  })
})

describe('rows with awkward field names', () => {
  it('keeps a field named __proto__ as data, in rows and in nested structs and maps', async () => {
    const session = newSession()
    // A computed key: a literal `__proto__:` key would set the literal's prototype instead.
    const s = schema({ ['__proto__']: 'string', m: { map: 'long' } } as const)
    const row = JSON.parse('{"__proto__": "x", "m": {"__proto__": 1, "a": 2}}')
    const [out] = (await session.createDataFrame([row], s as never).collect()) as Record<string, unknown>[]
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.keys(out)).toEqual(['__proto__', 'm'])
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x')
    expect(Object.keys(out.m as object)).toEqual(['__proto__', 'a'])
  })
})

describe("agg's map form", () => {
  it('agg({ column: function }) names columns like Spark', async () => {
    const session = newSession()
    const df = session.createDataFrame(rows, people)
    const out = await df.groupBy('city').agg({ age: 'max', score: 'avg' }).orderBy('city').collect()
    expect(out).toEqual([
      { city: 'Lima', 'max(age)': 27, 'avg(score)': 4.25 },
      { city: 'Oslo', 'max(age)': 51, 'avg(score)': 8.25 },
      { city: 'Rome', 'max(age)': 19, 'avg(score)': 3 },
    ])
    expect(() => df.groupBy('city').agg({ age: 'maximum' })).toThrow(
      /UNRESOLVED_ROUTINE: function 'maximum' does not exist/,
    )
  })
})
