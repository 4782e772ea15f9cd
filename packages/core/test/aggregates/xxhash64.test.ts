/**
 * The XXH64 behind approx_count_distinct: checked against known digests, Spark's documented
 * `xxhash64` example, and a straightforward BigInt implementation of the XXH64 spec.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  h64,
  hashBytes,
  hashDouble,
  hashInt,
  hashLong,
  hashString,
  hashValue,
} from '../../src/exec/aggregate/xxhash64.js'
import { arrayOf, IntType, StringType } from '../../src/types/data-types.js'

const MASK = (1n << 64n) - 1n
const P1 = 0x9e3779b185ebca87n
const P2 = 0xc2b2ae3d27d4eb4fn
const P3 = 0x165667b19e3779f9n
const P4 = 0x85ebca77c2b2ae63n
const P5 = 0x27d4eb2f165667c5n
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & MASK
const round = (acc: bigint, input: bigint) => (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK
const mergeRound = (acc: bigint, v: bigint) => ((((acc ^ round(0n, v)) * P1) & MASK) + P4) & MASK
const readLE = (b: Uint8Array, i: number, n: number) => {
  let x = 0n
  for (let k = n - 1; k >= 0; k--) x = (x << 8n) | BigInt(b[i + k])
  return x
}

/** XXH64 as the specification writes it, in BigInt: slow and obviously right. */
function referenceXxh64(b: Uint8Array, seed: bigint): bigint {
  let i = 0
  let h: bigint
  if (b.length >= 32) {
    let v1 = (seed + P1 + P2) & MASK
    let v2 = (seed + P2) & MASK
    let v3 = seed & MASK
    let v4 = (seed - P1) & MASK
    while (i + 32 <= b.length) {
      v1 = round(v1, readLE(b, i, 8))
      v2 = round(v2, readLE(b, i + 8, 8))
      v3 = round(v3, readLE(b, i + 16, 8))
      v4 = round(v4, readLE(b, i + 24, 8))
      i += 32
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK
    for (const v of [v1, v2, v3, v4]) h = mergeRound(h, v)
  } else h = (seed + P5) & MASK
  h = (h + BigInt(b.length)) & MASK
  for (; i + 8 <= b.length; i += 8)
    h = (((rotl(h ^ round(0n, readLE(b, i, 8)), 27n) * P1) & MASK) + P4) & MASK
  if (i + 4 <= b.length) {
    h = (((rotl(h ^ ((readLE(b, i, 4) * P1) & MASK), 23n) * P2) & MASK) + P3) & MASK
    i += 4
  }
  for (; i < b.length; i++) h = (rotl(h ^ ((BigInt(b[i]) * P5) & MASK), 11n) * P1) & MASK
  h ^= h >> 33n
  h = (h * P2) & MASK
  h ^= h >> 29n
  h = (h * P3) & MASK
  return h ^ (h >> 32n)
}

const last = () => (BigInt(h64[0] >>> 0) << 32n) | BigInt(h64[1] >>> 0)
const halves = (seed: bigint): [number, number] => [Number(seed >> 32n) | 0, Number(seed & 0xffffffffn) | 0]
const le = (x: bigint, bytes: number) => {
  const b = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) b[i] = Number((x >> BigInt(8 * i)) & 0xffn)
  return b
}

describe('xxhash64', () => {
  it('gives the published digests', () => {
    hashBytes(new Uint8Array(0), 0, 0, 0)
    expect(last()).toBe(0xef46db3751d8e999n)
    hashString('abc', 0, 0)
    expect(last()).toBe(0x44bc2cf5ad770999n)
  })

  it("gives Spark's documented xxhash64('Spark', array(123), 2) = 5602566077635097486", () => {
    hashValue(StringType, 'Spark', 0, 42)
    hashValue(arrayOf(IntType), [123], h64[0], h64[1])
    hashValue(IntType, 2, h64[0], h64[1])
    expect(BigInt.asIntN(64, last())).toBe(5602566077635097486n)
  })

  it('matches the BigInt reference on any bytes and seed (all stripe and tail paths)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.bigInt(0n, MASK), (bytes, seed) => {
        hashBytes(bytes, bytes.length, ...halves(seed))
        expect(last()).toBe(referenceXxh64(bytes, seed))
      }),
      { numRuns: 400 },
    )
  })

  it('hashes strings by their UTF-8 bytes', () => {
    // Code points of every UTF-8 length, lone surrogates included (both sides encode them as U+FFFD).
    const codePoint = fc
      .oneof(
        fc.nat(0x7f),
        fc.integer({ min: 0x80, max: 0xffff }),
        fc.integer({ min: 0x10000, max: 0x10ffff }),
      )
      .map((c) => String.fromCodePoint(c))
    fc.assert(
      fc.property(fc.string({ unit: codePoint, maxLength: 40 }), (s) => {
        hashString(s, 0, 42)
        expect(last()).toBe(referenceXxh64(new TextEncoder().encode(s), 42n))
      }),
      { numRuns: 300 },
    )
  })

  it('hashes ints as 4 bytes, longs as 8 bytes and doubles by their IEEE bits, as Spark does', () => {
    fc.assert(
      fc.property(fc.integer(), fc.maxSafeInteger(), fc.double(), (i, l, d) => {
        hashInt(i, 0, 42)
        expect(last()).toBe(referenceXxh64(le(BigInt.asUintN(32, BigInt(i)), 4), 42n))
        hashLong(l, 0, 42)
        expect(last()).toBe(referenceXxh64(le(BigInt.asUintN(64, BigInt(l)), 8), 42n))
        hashDouble(d, 0, 42)
        const bits = new DataView(new ArrayBuffer(8))
        bits.setFloat64(0, Number.isNaN(d) ? Number.NaN : d === 0 ? 0 : d, true)
        expect(last()).toBe(referenceXxh64(new Uint8Array(bits.buffer), 42n))
      }),
    )
  })

  it('folds -0.0 into 0.0 and every NaN into one', () => {
    hashDouble(0, 0, 42)
    const zero = last()
    hashDouble(-0, 0, 42)
    expect(last()).toBe(zero)
    hashDouble(Number.NaN, 0, 42)
    expect(last()).toBe(referenceXxh64(le(0x7ff8000000000000n, 8), 42n))
  })
})
