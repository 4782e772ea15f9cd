/**
 * approx_count_distinct(col, rsd): HyperLogLog++ per group. All groups' registers live in
 * one byte array (group g at [g·m, (g+1)·m)), so a batch updates every group in one loop
 * without a per-group object; numeric columns are hashed straight from their Float64Array.
 */
import { numberVector, type ObjectVector, objectVector } from '../../batch/vector.js'
import { BinaryType, type DataType, LongType } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { type Accumulator, type AccumulatorFactory, GrowableU8 } from './accumulator.js'
import { decodeRegisters, encodeRegisters, estimateCardinality, precisionFor } from './hyperloglog.js'
import { h64, hashDouble, hashFloat, hashInt, hashLong, hashString, hashValue } from './xxhash64.js'

/** Spark hashes approx_count_distinct input with XXH64 and this seed. */
const SEED = 42
const DAY_MS = 86_400_000

export const DEFAULT_RSD = 0.05

/** The hash of one engine number of a numeric/temporal type into h64, as Spark hashes that type. */
function numberHasher(type: DataType): (x: number) => void {
  switch (type.kind) {
    case 'int':
      return (x) => hashInt(x, 0, SEED)
    case 'long':
      return (x) => hashLong(x, 0, SEED)
    case 'float':
      return (x) => hashFloat(x, 0, SEED)
    case 'timestamp':
      return (x) => hashLong(Math.round(x * 1000), 0, SEED)
    case 'date':
      return (x) => hashInt(Math.floor(x / DAY_MS), 0, SEED)
    default:
      return (x) => hashDouble(x, 0, SEED)
  }
}

export const approxCountDistinctAccumulator: AccumulatorFactory = ([type], options): Accumulator => {
  const rsd = options.rsd ?? DEFAULT_RSD
  if (typeof rsd !== 'number') {
    throw new AnalysisError(
      `INVALID_PARAMETER_VALUE: approx_count_distinct rsd must be a number, got ${typeof rsd}.`,
      'INVALID_PARAMETER_VALUE',
    )
  }
  const p = precisionFor(rsd)
  const m = 1 << p
  const shift = 32 - p
  const padding = 1 << (p - 1)
  const registers = new GrowableU8(m * 16)
  const hashNumber = numberHasher(type)

  /** Folds the hash in h64 into group g's registers (Spark's HyperLogLogPlusPlusHelper.update). */
  const add = (r: Uint8Array, g: number): void => {
    const hi = h64[0]
    const lo = h64[1]
    const at = g * m + (hi >>> shift)
    // Rank = leading zeros + 1 of (hash << p | 1 << (p - 1)); the padding bit caps it at 65 - p.
    const top = ((hi << p) | (lo >>> shift)) >>> 0
    const rank = top !== 0 ? Math.clz32(top) + 1 : Math.clz32((lo << p) | padding) + 33
    if (rank > r[at]) r[at] = rank
  }

  return {
    resultType: LongType,
    update(ids, groups, [v], n) {
      const r = registers.ensure(groups * m)
      if (v.kind === 'number') {
        const x = v.values
        const valid = v.validity
        for (let i = 0; i < n; i++) {
          if (valid !== null && valid[i] === 0) continue
          hashNumber(x[i])
          add(r, ids[i])
        }
      } else if (v.kind === 'bool') {
        const x = v.values
        const valid = v.validity
        for (let i = 0; i < n; i++) {
          if (valid !== null && valid[i] === 0) continue
          hashInt(x[i], 0, SEED)
          add(r, ids[i])
        }
      } else {
        const x = v.values
        const strings = type.kind === 'string'
        for (let i = 0; i < n; i++) {
          const value = x[i]
          if (value == null) continue
          if (strings) hashString(value as string, 0, SEED)
          else hashValue(type, value, 0, SEED)
          add(r, ids[i])
        }
      }
    },
    result(groups) {
      const r = registers.ensure(groups * m)
      const out = new Float64Array(groups)
      for (let g = 0; g < groups; g++) out[g] = estimateCardinality(r, g * m, p)
      return numberVector(LongType, out)
    },
    // A group's registers; merging takes the larger of each register (HyperLogLog's union).
    partialTypes: [BinaryType],
    partial(groups) {
      const r = registers.ensure(groups * m)
      const out = new Array<Uint8Array>(groups)
      for (let g = 0; g < groups; g++) out[g] = r.slice(g * m, (g + 1) * m)
      return [objectVector(BinaryType, out)]
    },
    merge(ids, groups, [v], n) {
      const r = registers.ensure(groups * m)
      const parts = (v as ObjectVector).values as readonly Uint8Array[]
      for (let i = 0; i < n; i++) {
        const part = parts[i]
        const at = ids[i] * m
        for (let j = 0; j < m; j++) if (part[j] > r[at + j]) r[at + j] = part[j]
      }
    },
    getState: (g) => encodeRegisters(registers.ensure((g + 1) * m), g * m, p),
    setState(g, state) {
      const r = registers.ensure((g + 1) * m)
      if (state == null) r.fill(0, g * m, (g + 1) * m)
      else decodeRegisters(state, r, g * m, p)
    },
  }
}
