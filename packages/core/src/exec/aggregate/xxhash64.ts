/**
 * XXH64 (Collet) in 32-bit halves, and Spark's XxHash64Function over engine values.
 *
 * BigInt is too slow for a per-row hash, so every 64-bit quantity is a pair of int32
 * halves and each 64×64 multiply is done on 16-bit limbs. A hash is written to the
 * shared `h64` holder instead of returned, so that hashing a row allocates nothing.
 *
 * The value hashing follows Spark's InterpretedHashFunction (seed 42 for HyperLogLog++):
 * int/date/boolean by their 4 bytes, long and timestamp (microseconds) by their 8 bytes,
 * double by its IEEE bits (-0.0 folded into 0.0, NaN canonical), float by its float32 bits,
 * strings by their UTF-8 bytes, arrays/structs/maps by chaining the element hashes through
 * the seed. So a column hashes to the same 64-bit values as in Spark.
 */
import type { DataType } from '../../types/data-types.js'

/**
 * The last hash computed: [high, low] 32-bit halves, as signed int32. Halves stay int32
 * throughout (never `>>> 0`): a uint32 above 2^31 is a heap number in V8, and boxing one per
 * step made hashing ten times slower.
 */
export const h64 = new Int32Array(2)

const P1H = 0x9e3779b1 | 0
const P1L = 0x85ebca87 | 0
const P2H = 0xc2b2ae3d | 0
const P2L = 0x27d4eb4f | 0
const P3H = 0x165667b1 | 0
const P3L = 0x9e3779f9 | 0
const P4H = 0x85ebca77 | 0
const P4L = 0xc2b2ae63 | 0
const P5H = 0x27d4eb2f | 0
const P5L = 0x165667c5 | 0

/** The high word of (ah:al) * (bh:bl) mod 2^64; the low word is Math.imul(al, bl). */
function mulHi(ah: number, al: number, bh: number, bl: number): number {
  // Only the low 32 bits of each partial product reach the high word, so everything is
  // Math.imul and int32 adds, which V8 keeps in machine words (products above 2^31 kept as
  // doubles went through the slow double-to-int truncation at every step).
  const a0 = al & 0xffff
  const a1 = al >>> 16
  const b0 = bl & 0xffff
  const b1 = bl >>> 16
  const lo0 = Math.imul(a0, b0)
  const mid1 = (Math.imul(a1, b0) + (lo0 >>> 16)) | 0
  const mid2 = (Math.imul(a0, b1) + (mid1 & 0xffff)) | 0
  return (Math.imul(a1, b1) + (mid1 >>> 16) + (mid2 >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0
}

/** The carry out of the unsigned sum of two low words. */
const carry = (a: number, b: number): number => ((a >>> 0) + (b >>> 0) > 0xffffffff ? 1 : 0)

// The routines below spell each 64-bit step out on local (high, low) pairs, which V8 keeps
// in registers: `t = mulHi(h, l, ..); l = Math.imul(l, ..); h = t` is h *= P, and so on.

/** The final avalanche of XXH64 on (h, l); writes h64. */
function avalanche(h: number, l: number): void {
  l ^= h >>> 1
  let t = mulHi(h, l, P2H, P2L)
  l = Math.imul(l, P2L)
  h = t
  l ^= (l >>> 29) | (h << 3)
  h ^= h >>> 29
  t = mulHi(h, l, P3H, P3L)
  l = Math.imul(l, P3L)
  h64[0] = t
  h64[1] = l ^ t
}

/** XXH64 of a 4-byte little-endian int (Spark's XXH64.hashInt). */
export function hashInt(x: number, seedHi: number, seedLo: number): void {
  // h = seed + P5 + 4
  let h = (seedHi + P5H + carry(seedLo, P5L)) | 0
  let l = (seedLo + P5L) | 0
  h = (h + carry(l, 4)) | 0
  l = (l + 4) | 0
  // h ^= x * P1 (x unsigned, so its high word is 0)
  h ^= mulHi(0, x | 0, P1H, P1L)
  l ^= Math.imul(x | 0, P1L)
  // h = rotl(h, 23) * P2 + P3
  const rh = (h << 23) | (l >>> 9)
  const rl = (l << 23) | (h >>> 9)
  h = mulHi(rh, rl, P2H, P2L)
  l = Math.imul(rl, P2L)
  h = (h + P3H + carry(l, P3L)) | 0
  l = (l + P3L) | 0
  avalanche(h, l)
}

/** XXH64 of an 8-byte little-endian long given as int32 halves (Spark's XXH64.hashLong). */
export function hashLongParts(hi: number, lo: number, seedHi: number, seedLo: number): void {
  // h = seed + P5 + 8
  let h = (seedHi + P5H + carry(seedLo, P5L)) | 0
  let l = (seedLo + P5L) | 0
  h = (h + carry(l, 8)) | 0
  l = (l + 8) | 0
  // h ^= rotl(k * P2, 31) * P1
  const kh = mulHi(hi | 0, lo | 0, P2H, P2L)
  const kl = Math.imul(lo | 0, P2L)
  const rh = (kh << 31) | (kl >>> 1)
  const rl = (kl << 31) | (kh >>> 1)
  h ^= mulHi(rh, rl, P1H, P1L)
  l ^= Math.imul(rl, P1L)
  // h = rotl(h, 27) * P1 + P4
  const sh = (h << 27) | (l >>> 5)
  const sl = (l << 27) | (h >>> 5)
  h = mulHi(sh, sl, P1H, P1L)
  l = Math.imul(sl, P1L)
  h = (h + P4H + carry(l, P4L)) | 0
  l = (l + P4L) | 0
  avalanche(h, l)
}

/** A long held as a float64 integer (exact up to 2^53, as the engine holds longs). */
export function hashLong(x: number, seedHi: number, seedLo: number): void {
  const hi = Math.floor(x / 4294967296)
  // x - hi·2^32 is in [0, 2^32): split it before truncating, so no value above 2^31 meets `| 0`.
  const lo = x - hi * 4294967296
  hashLongParts(hi | 0, ((lo / 65536) << 16) | (lo & 0xffff), seedHi, seedLo)
}

const scratch = new DataView(new ArrayBuffer(8))

/** Spark hashes a double by doubleToLongBits, after folding -0.0 into 0.0; NaN has one canonical form. */
export function hashDouble(x: number, seedHi: number, seedLo: number): void {
  if (Number.isNaN(x)) {
    hashLongParts(0x7ff80000, 0, seedHi, seedLo)
    return
  }
  scratch.setFloat64(0, x === 0 ? 0 : x, true)
  hashLongParts(scratch.getInt32(4, true), scratch.getInt32(0, true), seedHi, seedLo)
}

export function hashFloat(x: number, seedHi: number, seedLo: number): void {
  if (Number.isNaN(x)) {
    hashInt(0x7fc00000, seedHi, seedLo)
    return
  }
  scratch.setFloat32(0, x === 0 ? 0 : x, true)
  hashInt(scratch.getInt32(0, true), seedHi, seedLo)
}

const le32 = (b: Uint8Array, i: number): number =>
  b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)

/** The 32-byte stripe accumulators of long inputs, [high, low] × 4. */
const V = new Int32Array(8)

/** Stripe lane j: v = rotl(v + input * P2, 31) * P1. */
function lane(j: number, b: Uint8Array, i: number): void {
  const ih = le32(b, i + 4)
  const il = le32(b, i)
  const ph = mulHi(ih, il, P2H, P2L)
  const pl = Math.imul(il, P2L)
  const vh = V[2 * j]
  const vl = V[2 * j + 1]
  const ah = (vh + ph + carry(vl, pl)) | 0
  const al = (vl + pl) | 0
  const rh = (ah << 31) | (al >>> 1)
  const rl = (al << 31) | (ah >>> 1)
  V[2 * j] = mulHi(rh, rl, P1H, P1L)
  V[2 * j + 1] = Math.imul(rl, P1L)
}

/** rotl(v_j, r) for 0 < r < 32, into V's pair j. */
function rotlLane(j: number, r: number): void {
  const h = V[2 * j]
  const l = V[2 * j + 1]
  V[2 * j] = (h << r) | (l >>> (32 - r))
  V[2 * j + 1] = (l << r) | (h >>> (32 - r))
}

/** XXH64 of bytes[0, length) (Spark's XXH64.hashUnsafeBytes, which is standard XXH64). */
export function hashBytes(b: Uint8Array, length: number, seedHi: number, seedLo: number): void {
  let h: number
  let l: number
  let i = 0
  if (length >= 32) {
    // v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1
    V[0] = (seedHi + P1H + carry(seedLo, P1L)) | 0
    V[1] = (seedLo + P1L) | 0
    V[0] = (V[0] + P2H + carry(V[1], P2L)) | 0
    V[1] = (V[1] + P2L) | 0
    V[2] = (seedHi + P2H + carry(seedLo, P2L)) | 0
    V[3] = (seedLo + P2L) | 0
    V[4] = seedHi
    V[5] = seedLo
    V[6] = (seedHi + ~P1H + carry(seedLo, -P1L)) | 0
    V[7] = (seedLo - P1L) | 0
    const limit = length - 32
    do {
      lane(0, b, i)
      lane(1, b, i + 8)
      lane(2, b, i + 16)
      lane(3, b, i + 24)
      i += 32
    } while (i <= limit)
    // The accumulators after the stripes, kept before they are rotated into the sum.
    const acc = V.slice()
    rotlLane(0, 1)
    rotlLane(1, 7)
    rotlLane(2, 12)
    rotlLane(3, 18)
    h = V[0]
    l = V[1]
    for (let j = 1; j < 4; j++) {
      h = (h + V[2 * j] + carry(l, V[2 * j + 1])) | 0
      l = (l + V[2 * j + 1]) | 0
    }
    for (let j = 0; j < 4; j++) {
      // h ^= rotl(v * P2, 31) * P1; h = h * P1 + P4
      const ph = mulHi(acc[2 * j], acc[2 * j + 1], P2H, P2L)
      const pl = Math.imul(acc[2 * j + 1], P2L)
      const rh = (ph << 31) | (pl >>> 1)
      const rl = (pl << 31) | (ph >>> 1)
      h ^= mulHi(rh, rl, P1H, P1L)
      l ^= Math.imul(rl, P1L)
      const t = mulHi(h, l, P1H, P1L)
      l = Math.imul(l, P1L)
      h = (t + P4H + carry(l, P4L)) | 0
      l = (l + P4L) | 0
    }
  } else {
    h = (seedHi + P5H + carry(seedLo, P5L)) | 0
    l = (seedLo + P5L) | 0
  }
  h = (h + carry(l, length)) | 0
  l = (l + length) | 0
  while (i + 8 <= length) {
    // h ^= rotl(k * P2, 31) * P1; h = rotl(h, 27) * P1 + P4
    const kh = le32(b, i + 4)
    const kl = le32(b, i)
    const ph = mulHi(kh, kl, P2H, P2L)
    const pl = Math.imul(kl, P2L)
    const rh = (ph << 31) | (pl >>> 1)
    const rl = (pl << 31) | (ph >>> 1)
    h ^= mulHi(rh, rl, P1H, P1L)
    l ^= Math.imul(rl, P1L)
    const sh = (h << 27) | (l >>> 5)
    const sl = (l << 27) | (h >>> 5)
    h = mulHi(sh, sl, P1H, P1L)
    l = Math.imul(sl, P1L)
    h = (h + P4H + carry(l, P4L)) | 0
    l = (l + P4L) | 0
    i += 8
  }
  if (i + 4 <= length) {
    // h ^= k32 * P1; h = rotl(h, 23) * P2 + P3
    const k = le32(b, i)
    h ^= mulHi(0, k, P1H, P1L)
    l ^= Math.imul(k, P1L)
    const sh = (h << 23) | (l >>> 9)
    const sl = (l << 23) | (h >>> 9)
    h = mulHi(sh, sl, P2H, P2L)
    l = Math.imul(sl, P2L)
    h = (h + P3H + carry(l, P3L)) | 0
    l = (l + P3L) | 0
    i += 4
  }
  while (i < length) {
    // h ^= byte * P5; h = rotl(h, 11) * P1
    h ^= mulHi(0, b[i], P5H, P5L)
    l ^= Math.imul(b[i], P5L)
    const sh = (h << 11) | (l >>> 21)
    const sl = (l << 11) | (h >>> 21)
    h = mulHi(sh, sl, P1H, P1L)
    l = Math.imul(sl, P1L)
    i++
  }
  avalanche(h, l)
}

const encoder = new TextEncoder()
let utf8 = new Uint8Array(256)

/** XXH64 of a string's UTF-8 bytes, encoded into a reused buffer. */
export function hashString(s: string, seedHi: number, seedLo: number): void {
  const n = s.length
  // UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (n * 3 > utf8.length) utf8 = new Uint8Array(Math.max(n * 3, utf8.length * 2))
  // ASCII is copied by hand: for short strings TextEncoder's call costs more than the hash.
  let length = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) {
      length = encoder.encodeInto(s, utf8).written
      break
    }
    utf8[i] = c
  }
  hashBytes(utf8, length, seedHi, seedLo)
}

const DAY_MS = 86_400_000

const timeMs = (v: unknown): number => (v instanceof Date ? v.getTime() : (v as number))

/**
 * Spark's XxHash64Function.hash(value, type, seed): writes h64. Top-level values are in
 * engine form (numbers for time); values nested in arrays, structs and maps may be Dates.
 * A null leaves the seed, as in Spark.
 */
export function hashValue(type: DataType, v: unknown, seedHi: number, seedLo: number): void {
  if (v == null) {
    h64[0] = seedHi
    h64[1] = seedLo
    return
  }
  switch (type.kind) {
    case 'boolean':
      hashInt(v ? 1 : 0, seedHi, seedLo)
      return
    case 'int':
      hashInt(v as number, seedHi, seedLo)
      return
    case 'long':
      hashLong(v as number, seedHi, seedLo)
      return
    case 'float':
      hashFloat(v as number, seedHi, seedLo)
      return
    case 'double':
      hashDouble(v as number, seedHi, seedLo)
      return
    case 'timestamp':
      hashLong(Math.round(timeMs(v) * 1000), seedHi, seedLo)
      return
    case 'date':
      hashInt(Math.floor(timeMs(v) / DAY_MS), seedHi, seedLo)
      return
    case 'string':
      hashString(v as string, seedHi, seedLo)
      return
    case 'binary': {
      const b = v as Uint8Array
      hashBytes(b, b.length, seedHi, seedLo)
      return
    }
    case 'array': {
      let hi = seedHi
      let lo = seedLo
      for (const e of v as readonly unknown[]) {
        hashValue(type.element, e, hi, lo)
        hi = h64[0]
        lo = h64[1]
      }
      h64[0] = hi
      h64[1] = lo
      return
    }
    case 'struct': {
      let hi = seedHi
      let lo = seedLo
      const row = v as Readonly<Record<string, unknown>>
      for (const f of type.fields) {
        hashValue(f.type, row[f.name], hi, lo)
        hi = h64[0]
        lo = h64[1]
      }
      h64[0] = hi
      h64[1] = lo
      return
    }
    case 'map': {
      let hi = seedHi
      let lo = seedLo
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>)
      for (const [k, x] of entries) {
        hashValue(type.key, k, hi, lo)
        hashValue(type.value, x, h64[0], h64[1])
        hi = h64[0]
        lo = h64[1]
      }
      h64[0] = hi
      h64[1] = lo
      return
    }
    default:
      h64[0] = seedHi
      h64[1] = seedLo
  }
}
