/** Array, map and struct functions against Spark's documented results ("doc"). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { call, errorOf, frame, scalar, typeOf, values } from './eval.js'

const arrays = (rows: ((string | null)[] | null)[]) =>
  frame(
    newSession(),
    { xs: { type: { array: 'string' }, nullable: true } },
    rows.map((xs) => ({ xs: xs as string[] })),
  )

describe('size', () => {
  it('doc: size(array("b", "d", "c", "a")) = 4, size(map("a", 1, "b", 2)) = 2, size(NULL) = -1', async () => {
    expect(await values(arrays([['b', 'd', 'c', 'a'], [], null]), F.size('xs'))).toEqual([4, 0, -1])
    const maps = frame(newSession(), { m: { map: 'int' } }, [{ m: { a: 1, b: 2 } }])
    expect(await values(maps, F.size('m'))).toEqual([2])
    expect(typeOf(maps, F.size('m'))).toBe('int')
  })

  it('refuses a string', async () => {
    const df = frame(newSession(), { s: 'string' }, [{ s: 'abc' }])
    expect(await errorOf(df, F.size('s'))).toBe(
      'DATATYPE_MISMATCH: the first argument of size must be an array or a map, but s is string. Pass an array or map column.',
    )
  })
})

describe('array_contains', () => {
  it('doc: array_contains(array(1, 2, 3), 2) = true; unknown when not found among nulls', async () => {
    const df = frame(newSession(), { xs: { type: { array: 'int' }, nullable: true } }, [
      { xs: [1, 2, 3] },
      { xs: [4] },
      { xs: [4, null as unknown as number] },
      { xs: [2, null as unknown as number] },
      { xs: null as unknown as number[] },
    ])
    expect(await values(df, F.array_contains('xs', 2))).toEqual([true, false, null, true, null])
    expect(await values(df, F.array_contains('xs', 2.0))).toEqual([true, false, null, true, null])
    expect(await values(df, F.array_contains('xs', null))).toEqual([null, null, null, null, null])
  })

  it('compares timestamps by instant and NaN with NaN', async () => {
    const t = new Date('2024-01-01T00:00:00Z')
    const df = frame(newSession(), { ts: { array: 'timestamp' }, ds: { array: 'double' } }, [
      { ts: [new Date(0), t], ds: [Number.NaN] },
    ])
    expect(await values(df, F.array_contains('ts', new Date(t.getTime())))).toEqual([true])
    expect(await values(df, F.array_contains('ds', Number.NaN))).toEqual([true])
  })

  it('refuses a value of another type', async () => {
    const df = frame(newSession(), { xs: { array: 'int' } }, [{ xs: [1] }])
    expect(await errorOf(df, F.array_contains('xs', 'a'))).toBe(
      "DATATYPE_MISMATCH: the second argument of array_contains must be of the array's element type int, but a is string. Cast it with .cast('int').",
    )
  })
})

describe('array and struct', () => {
  it('array() builds arrays of the common type; timestamps inside are Dates', async () => {
    const t = new Date('2024-01-01T00:00:00Z')
    const df = frame(newSession(), { a: 'int', b: { type: 'double', nullable: true }, t: 'timestamp' }, [
      { a: 1, b: 2.5, t },
      { a: 2, b: null, t },
    ])
    expect(await values(df, F.array('a', 'b'))).toEqual([
      [1, 2.5],
      [2, null],
    ])
    expect(typeOf(df, F.array('a', 'b'))).toBe('array<double>')
    expect(await values(df, F.array('t', 't'))).toEqual([
      [t, t],
      [t, t],
    ])
    expect(typeOf(df, F.array())).toBe('array<null>')
    expect(await errorOf(df, F.array('a', lit('x') as never))).toMatch(
      /^DATATYPE_MISMATCH: the second argument of array must be of one type with the others \(int\)/,
    )
  })

  it('struct() names fields after columns and aliases, else col1, col2, ... (as Spark)', async () => {
    const t = new Date('2024-01-01T00:00:00Z')
    const df = frame(newSession(), { a: 'int', s: 'string', t: 'timestamp' }, [{ a: 1, s: 'x', t }])
    const c = F.struct('a', col('s').alias('name'), lit(2) as never, 't')
    expect(typeOf(df, c)).toBe('struct<a:int,name:string,col3:int,t:timestamp>')
    expect(await values(df, c)).toEqual([{ a: 1, name: 'x', col3: 2, t }])
    expect(await errorOf(df, F.struct('a', col('s').alias('a')))).toBe(
      "DATATYPE_MISMATCH: struct() would have two fields named 'a'. Give them different names with .alias(...).",
    )
  })

  it('a struct of a struct, read back with getField', async () => {
    const df = frame(newSession(), { a: 'int', t: 'timestamp' }, [{ a: 1, t: new Date(5000) }])
    const nested = F.struct(F.struct('a', 't').alias('inner'))
    expect(typeOf(df, nested)).toBe('struct<inner:struct<a:int,t:timestamp>>')
    expect(await values(df, nested.getField('inner').getField('t'))).toEqual([new Date(5000)])
    expect(typeOf(df, nested.getField('inner').getField('t'))).toBe('timestamp')
  })
})

describe('element access', () => {
  const df = () =>
    frame(
      newSession(),
      {
        xs: { type: { array: 'int' }, nullable: true },
        m: { map: 'string' },
        p: { struct: { name: 'string', at: 'timestamp' } },
      },
      [
        { xs: [1, 2, 3], m: { a: 'x', b: 'y' }, p: { name: 'n', at: new Date(1000) } },
        { xs: [], m: {}, p: { name: 'o', at: new Date(2000) } },
        { xs: null as unknown as number[], m: { toString: 'own' }, p: { name: 'p', at: new Date(3000) } },
      ],
    )

  it('doc: element_at(array(1, 2, 3), 2) = 2; negative from the end; out of range is null', async () => {
    const d = df()
    expect(await values(d, F.element_at('xs', 2))).toEqual([2, null, null])
    expect(await values(d, F.element_at('xs', -1))).toEqual([3, null, null])
    expect(await values(d, F.element_at('xs', 4))).toEqual([null, null, null])
    expect(typeOf(d, F.element_at('xs', 1))).toBe('int')
  })

  it('element_at of a map by key (doc: element_at(map(1, "a", 2, "b"), 2) = "b")', async () => {
    const d = df()
    expect(await values(d, F.element_at('m', 'b'))).toEqual(['y', null, null])
    // Only the map's own keys count, not Object.prototype's.
    expect(await values(d, F.element_at('m', 'toString'))).toEqual([null, null, 'own'])
    expect(await values(d, F.element_at('m', 'constructor'))).toEqual([null, null, null])
  })

  it('element_at(array, 0) is an error, as in Spark', async () => {
    expect(await errorOf(df(), F.element_at('xs', 0))).toMatch(
      /^INVALID_INDEX_OF_ZERO: element_at counts array positions from 1/,
    )
  })

  it('getItem is 0-based for arrays, by key for maps; getField reads a struct field', async () => {
    const d = df()
    expect(await values(d, col('xs').getItem(0))).toEqual([1, null, null])
    expect(await values(d, col('xs').getItem(-1))).toEqual([null, null, null])
    expect(await values(d, col('m').getItem('a'))).toEqual(['x', null, null])
    expect(await values(d, col('p').getField('name'))).toEqual(['n', 'o', 'p'])
    expect(await values(d, col('p').getField('at'))).toEqual([new Date(1000), new Date(2000), new Date(3000)])
    expect(await values(d, col('p').getItem('name'))).toEqual(['n', 'o', 'p'])
    expect(typeOf(d, col('p').getField('at'))).toBe('timestamp')
  })

  it('getItem with an index column', async () => {
    const d = frame(newSession(), { xs: { array: 'string' }, i: 'int' }, [
      { xs: ['a', 'b'], i: 1 },
      { xs: ['a', 'b'], i: 5 },
    ])
    expect(await values(d, col('xs').getItem(col('i') as never))).toEqual(['b', null])
  })

  it('getField of a field that does not exist suggests the near ones', async () => {
    expect(await errorOf(df(), col('p').getField('nmae'))).toBe(
      "FIELD_NOT_FOUND: p has no field 'nmae'. Did you mean 'name'? Its fields are: name, at.",
    )
  })
})

describe('array_join, sort_array, array_distinct', () => {
  it('doc: array_join(array("hello", null, "world"), " ") skips nulls, or replaces them', async () => {
    const df = arrays([['hello', 'world'], ['hello', null, 'world'], [], null])
    expect(await values(df, F.array_join('xs', ' '))).toEqual(['hello world', 'hello world', '', null])
    expect(await values(df, call('array_join', col('xs'), lit(' '), lit(',')))).toEqual([
      'hello world',
      'hello , world',
      '',
      null,
    ])
  })

  it('array_join prints numbers as Spark casts them to strings', async () => {
    const df = frame(newSession(), { xs: { array: 'double' }, ns: { array: 'long' } }, [
      { xs: [1, 2.5], ns: [1, 2] },
    ])
    expect(await values(df, F.array_join('xs', ','))).toEqual(['1.0,2.5'])
    expect(await values(df, F.array_join('ns', '-'))).toEqual(['1-2'])
  })

  it('doc: sort_array(array("b", "d", null, "c", "a"), true) puts nulls first, and last when descending', async () => {
    const df = arrays([['b', 'd', null, 'c', 'a'], [], null])
    expect(await values(df, F.sort_array('xs'))).toEqual([[null, 'a', 'b', 'c', 'd'], [], null])
    expect(await values(df, F.sort_array('xs', false))).toEqual([['d', 'c', 'b', 'a', null], [], null])
  })

  it('sort_array orders numbers (NaN last), timestamps and structs', async () => {
    const df = frame(newSession(), { xs: { array: 'double' }, ts: { array: 'timestamp' } }, [
      { xs: [3, Number.NaN, -1, 10, 2], ts: [new Date(3), new Date(1), new Date(2)] },
    ])
    expect(await values(df, F.sort_array('xs'))).toEqual([[-1, 2, 3, 10, Number.NaN]])
    expect(await values(df, F.sort_array('ts'))).toEqual([[new Date(1), new Date(2), new Date(3)]])
    const structs = frame(newSession(), { a: 'int', b: 'string' }, [{ a: 1, b: 'z' }])
    const arr = F.array(
      F.struct(lit(2).alias('a'), lit('a').alias('b')),
      F.struct('a', 'b'),
      F.struct('a', lit('c').alias('b')),
    )
    expect(await values(structs, F.sort_array(arr))).toEqual([
      [
        { a: 1, b: 'c' },
        { a: 1, b: 'z' },
        { a: 2, b: 'a' },
      ],
    ])
  })

  it('doc: array_distinct(array(1, 2, 3, null, 3)) = [1, 2, 3, null]', async () => {
    expect(
      await scalar(newSession(), F.array_distinct(F.array(lit(1), lit(2), lit(3), lit(null), lit(3)))),
    ).toEqual([1, 2, 3, null])
    const df = frame(newSession(), { ts: { array: 'timestamp' }, xs: { array: 'double' } }, [
      { ts: [new Date(1), new Date(1), new Date(2)], xs: [Number.NaN, Number.NaN, 0] },
    ])
    expect(await values(df, F.array_distinct('ts'))).toEqual([[new Date(1), new Date(2)]])
    expect(await values(df, F.array_distinct('xs'))).toEqual([[Number.NaN, 0]])
  })
})

describe('properties', () => {
  const session = newSession()

  it('sort_array is sorted, a permutation, and idempotent; array_distinct has no duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }), async (xs) => {
        const df = frame(session, { xs: { array: 'int' } }, [{ xs }])
        const [sorted] = (await values(df, F.sort_array('xs'))) as number[][]
        expect(sorted).toEqual([...xs].sort((a, b) => a - b))
        expect(await values(df, F.sort_array(F.sort_array('xs')))).toEqual([sorted])
        const [distinct] = (await values(df, F.array_distinct('xs'))) as number[][]
        expect(distinct).toEqual([...new Set(xs)])
        expect(await values(df, F.size('xs'))).toEqual([xs.length])
      }),
      { numRuns: 50 },
    )
  })
})
