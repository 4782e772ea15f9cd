/**
 * hash (Spark's Murmur3 x86_32, seed 42), md5 and sha2, checked against the values the
 * Spark SQL function reference documents.
 */
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { errorOf, frame, scalar, typeOf, values } from './eval.js'

describe('hash', () => {
  it("doc: hash('Spark', array(123), 2) = -1321691492, the same int as Spark", async () => {
    const s = newSession()
    expect(await scalar(s, F.hash(lit('Spark') as never, F.array(lit(123)), lit(2) as never))).toBe(
      -1321691492,
    )
  })

  it('hash(1) = -559580957 and hash(NULL) = 42, as Spark gives', async () => {
    const s = newSession()
    expect(await scalar(s, F.hash(lit(1)))).toBe(-559580957)
    expect(await scalar(s, F.hash(lit(null)))).toBe(42)
  })

  it('is an int, skips nulls (hash of only nulls is the seed, 42), and depends on argument order', async () => {
    const df = frame(
      newSession(),
      { a: { type: 'string', nullable: true }, b: { type: 'long', nullable: true } },
      [
        { a: 'x', b: 1 },
        { a: null, b: null },
        { a: 'x', b: null },
      ],
    )
    const h = (await values(df, F.hash('a', 'b'))) as number[]
    expect(typeOf(df, F.hash('a'))).toBe('int')
    expect(h[1]).toBe(42)
    expect(h[2]).toBe((await values(df, F.hash('a')))[2])
    expect(h[0]).not.toBe((await values(df, F.hash('b', 'a')))[0])
    for (const x of h) expect(Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31).toBe(true)
  })

  it('is stable across runs and equal for equal values of every type', async () => {
    const t = new Date('2024-01-01T00:00:00Z')
    const spec = {
      s: 'string',
      i: 'int',
      l: 'long',
      d: 'double',
      b: 'boolean',
      t: 'timestamp',
      day: 'date',
      xs: { array: 'string' },
      m: { map: 'int' },
      st: { struct: { a: 'int' } },
    } as const
    const row = {
      s: 'héllo',
      i: -7,
      l: 2 ** 40 + 3,
      d: -0.5,
      b: true,
      t,
      day: t,
      xs: ['a', 'b'],
      m: { k: 1 },
      st: { a: 1 },
    }
    const all = F.hash('s', 'i', 'l', 'd', 'b', 't', 'day', 'xs', 'm', 'st')
    const first = await values(frame(newSession(), spec, [row, row]), all)
    const again = await values(frame(newSession(), spec, [row]), all)
    expect(first[0]).toBe(first[1])
    expect(again[0]).toBe(first[0])
    // 0.0 and -0.0 hash alike, as in Spark.
    const zeros = frame(newSession(), { d: 'double' }, [{ d: 0 }, { d: -0 }])
    const [z, nz] = await values(zeros, F.hash('d'))
    expect(z).toBe(nz)
  })
})

describe('md5 and sha2', () => {
  it("doc: md5('Spark') = '8cde774d6f7333752ed72cacddb05126'", async () => {
    const df = frame(newSession(), { s: { type: 'string', nullable: true } }, [
      { s: 'Spark' },
      { s: null },
      { s: '' },
    ])
    expect(await values(df, F.md5('s'))).toEqual([
      '8cde774d6f7333752ed72cacddb05126',
      null,
      'd41d8cd98f00b204e9800998ecf8427e',
    ])
  })

  it("doc: sha2('Spark', 256) = '529bc3b0...'; 0 means 256; other lengths give null", async () => {
    const df = frame(newSession(), { s: 'string' }, [{ s: 'Spark' }])
    const sha256 = '529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b'
    expect(await values(df, F.sha2('s', 256))).toEqual([sha256])
    expect(await values(df, F.sha2('s'))).toEqual([sha256])
    expect(await values(df, F.sha2('s', 0))).toEqual([sha256])
    expect(((await values(df, F.sha2('s', 512))) as string[])[0]).toHaveLength(128)
    expect(((await values(df, F.sha2('s', 224))) as string[])[0]).toHaveLength(56)
    expect(await values(df, F.sha2('s', 123))).toEqual([null])
  })

  it('hash binary as bytes and refuse numbers', async () => {
    const df = frame(newSession(), { b: 'binary', n: 'int' }, [
      { b: new TextEncoder().encode('Spark'), n: 1 },
    ])
    expect(await values(df, F.md5('b'))).toEqual(['8cde774d6f7333752ed72cacddb05126'])
    expect(await errorOf(df, F.md5(col('n')))).toBe(
      "DATATYPE_MISMATCH: the first argument of md5 must be a string or binary, but n is int. Convert it with .cast('string').",
    )
  })
})
