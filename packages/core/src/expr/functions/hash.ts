/**
 * hash, md5 and sha2. `hash` is Spark's own Murmur3 x86_32 with seed 42, including its
 * quirks (strings hashed through hashUnsafeBytes, which mixes the trailing bytes one at a
 * time; doubles by their IEEE bits with -0.0 folded to 0.0; timestamps as microseconds;
 * dates as days), so `hash(...)` gives the same int as Spark for the same values and
 * types. md5/sha2 use node:crypto's one-shot hash (a Hash object per row cost several µs).
 */
import { hash as digest } from 'node:crypto'
import { numberVector, objectVector, valueAt } from '../../batch/vector.js'
import { type DataType, IntType, StringType } from '../../types/data-types.js'
import { expectArity, registerFunction } from '../registry.js'
import { expectArg, expectIntegral, nestedToEngine, nullVector, requireConstant } from './common.js'

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

function mixK1(k: number): number {
  let k1 = Math.imul(k, C1)
  k1 = (k1 << 15) | (k1 >>> 17)
  return Math.imul(k1, C2)
}

function mixH1(h: number, k1: number): number {
  let h1 = h ^ k1
  h1 = (h1 << 13) | (h1 >>> 19)
  return (Math.imul(h1, 5) + 0xe6546b64) | 0
}

function fmix(h: number, length: number): number {
  let h1 = h ^ length
  h1 ^= h1 >>> 16
  h1 = Math.imul(h1, 0x85ebca6b)
  h1 ^= h1 >>> 13
  h1 = Math.imul(h1, 0xc2b2ae35)
  h1 ^= h1 >>> 16
  return h1 | 0
}

function hashInt(x: number, seed: number): number {
  return fmix(mixH1(seed, mixK1(x | 0)), 4)
}

/** A long as two 32-bit halves; exact for integers up to 2^53, which is what the engine holds. */
function hashLongParts(low: number, high: number, seed: number): number {
  let h1 = mixH1(seed, mixK1(low | 0))
  h1 = mixH1(h1, mixK1(high | 0))
  return fmix(h1, 8)
}

function hashLong(x: number, seed: number): number {
  const high = Math.floor(x / 4294967296)
  const low = x - high * 4294967296
  return hashLongParts(low, high, seed)
}

const scratch = new DataView(new ArrayBuffer(8))

function hashDouble(x: number, seed: number): number {
  // Java's doubleToLongBits: one canonical NaN; Spark also folds -0.0 into 0.0.
  if (Number.isNaN(x)) return hashLongParts(0, 0x7ff80000, seed)
  scratch.setFloat64(0, x === 0 ? 0 : x, true)
  return hashLongParts(scratch.getInt32(0, true), scratch.getInt32(4, true), seed)
}

function hashFloat(x: number, seed: number): number {
  if (Number.isNaN(x)) return hashInt(0x7fc00000, seed)
  scratch.setFloat32(0, x === 0 ? 0 : x, true)
  return hashInt(scratch.getInt32(0, true), seed)
}

/** Spark's Murmur3_x86_32.hashUnsafeBytes: 4-byte little-endian words, then each remaining (signed) byte on its own. */
function hashBytes(bytes: Uint8Array, seed: number): number {
  const n = bytes.length
  const aligned = n - (n % 4)
  let h1 = seed
  for (let i = 0; i < aligned; i += 4) {
    const word = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    h1 = mixH1(h1, mixK1(word))
  }
  for (let i = aligned; i < n; i++) h1 = mixH1(h1, mixK1((bytes[i] << 24) >> 24))
  return fmix(h1, n)
}

const utf8 = new TextEncoder()

/** Spark's Murmur3Hash of one value of a type (engine form at the top, nested form inside); null leaves the seed. */
function hashValue(type: DataType, v: unknown, seed: number): number {
  if (v == null) return seed
  switch (type.kind) {
    case 'boolean':
      return hashInt(v ? 1 : 0, seed)
    case 'int':
      return hashInt(v as number, seed)
    case 'long':
      return hashLong(v as number, seed)
    case 'float':
      return hashFloat(v as number, seed)
    case 'double':
      return hashDouble(v as number, seed)
    case 'timestamp':
      return hashLong((nestedToEngine(type, v) as number) * 1000, seed)
    case 'date':
      return hashInt(Math.floor((nestedToEngine(type, v) as number) / 86_400_000), seed)
    case 'string':
      return hashBytes(utf8.encode(v as string), seed)
    case 'binary':
      return hashBytes(v as Uint8Array, seed)
    case 'array': {
      let h = seed
      for (const e of v as unknown[]) h = hashValue(type.element, e, h)
      return h
    }
    case 'struct': {
      let h = seed
      for (const f of type.fields) h = hashValue(f.type, (v as Record<string, unknown>)[f.name], h)
      return h
    }
    case 'map': {
      let h = seed
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        h = hashValue(type.key, k, h)
        h = hashValue(type.value, x, h)
      }
      return h
    }
    default:
      return seed
  }
}

registerFunction({
  kind: 'scalar',
  name: 'hash',
  bind(args) {
    expectArity('hash', args, 1, Number.POSITIVE_INFINITY)
    return {
      type: IntType,
      evaluate: (batch, ctx) => {
        const vecs = args.map((a) => a.evaluate(batch, ctx))
        const n = batch.numRows
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          let h = 42
          for (let j = 0; j < vecs.length; j++) h = hashValue(args[j].type, valueAt(vecs[j], i), h)
          out[i] = h
        }
        return numberVector(IntType, out)
      },
    }
  },
})

function digestFunction(name: string, algorithm: (args: readonly unknown[]) => string | null): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, name === 'sha2' ? 2 : 1)
      expectArg(
        name,
        args,
        0,
        (t) => t.kind === 'string' || t.kind === 'binary',
        'a string or binary',
        "Convert it with .cast('string').",
      )
      let alg: string | null = 'md5'
      if (name === 'sha2') {
        expectIntegral(name, args, 1)
        alg = algorithm([requireConstant(name, args, 1, 'the bit length')])
      }
      const [a] = args
      return {
        type: StringType,
        evaluate: (batch, ctx) => {
          // Spark's sha2 gives null for a bit length other than 0, 224, 256, 384 and 512.
          if (alg === null) return nullVector(StringType, batch.numRows)
          const v = a.evaluate(batch, ctx)
          const n = batch.numRows
          const out = new Array<string | null>(n)
          for (let i = 0; i < n; i++) {
            const x = valueAt(v, i) as string | Uint8Array | null
            // node:crypto hashes a string as its UTF-8 bytes, as Spark does.
            out[i] = x === null ? null : digest(alg, x, 'hex')
          }
          return objectVector(StringType, out)
        },
      }
    },
  })
}

digestFunction('md5', () => 'md5')
digestFunction('sha2', ([bits]) => {
  switch (bits) {
    case 0:
    case 256:
      return 'sha256'
    case 224:
      return 'sha224'
    case 384:
      return 'sha384'
    case 512:
      return 'sha512'
    default:
      return null
  }
})
