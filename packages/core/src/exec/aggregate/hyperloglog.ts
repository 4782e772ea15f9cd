/**
 * HyperLogLog++ (Heule, Nunkesser, Hall 2013) as Spark's HyperLogLogPlusPlusHelper runs
 * it: p index bits from the top of a 64-bit XXH64 hash (seed 42), register = position of
 * the first 1-bit in the remaining 64 - p bits (capped at 65 - p), raw estimate
 * α·m²/Σ2^-M, bias correction below 5m, linear counting while it stays under the paper's
 * per-precision threshold.
 *
 * One deliberate difference: Spark corrects the bias with the paper's empirical tables
 * (k-nearest-neighbour interpolation over ~200 simulated points per precision). Here the
 * bias curve is derived instead: under the Poisson model (each register receives
 * Poisson(n/m) hashes, independently) the register distribution is P(M ≤ k) = exp(-n/m·2^-k),
 * which gives the mean and variance of Z = Σ2^-M, and E[α·m²/Z] ≈ α·m²(1/E[Z] + Var[Z]/E[Z]³).
 * That curve is tabulated per precision at 201 cardinalities in [0, 6m] and inverted by
 * linear interpolation: bias(E) is the tabulated bias at the cardinality whose expected raw
 * estimate is E. So results agree with Spark's in the linear-counting and large ranges and
 * differ by a fraction of the standard error in between.
 *
 * Registers are one byte each (Spark packs six bits), m = 2^p per group.
 */
import { AnalysisError } from '../../util/errors.js'

export const HLL_MIN_PRECISION = 4
/** 2^18 registers (256 KiB) per group; Spark does not cap, but a smaller rsd would cost megabytes per group. */
export const HLL_MAX_PRECISION = 18

/** Spark's precision for a relative standard deviation: ceil(2·log2(1.106 / rsd)). */
export function precisionFor(rsd: number): number {
  if (typeof rsd !== 'number' || !Number.isFinite(rsd) || rsd <= 0) {
    throw new AnalysisError(
      `INVALID_PARAMETER_VALUE: approx_count_distinct needs a positive relative standard deviation (rsd), got ${String(rsd)}.`,
      'INVALID_PARAMETER_VALUE',
    )
  }
  const p = Math.ceil((2 * Math.log(1.106 / rsd)) / Math.log(2))
  if (p < HLL_MIN_PRECISION) {
    throw new AnalysisError(
      `INVALID_PARAMETER_VALUE: HLL++ requires at least 4 bits for addressing. Use a lower error, at most 39% (approx_count_distinct rsd = ${rsd}).`,
      'INVALID_PARAMETER_VALUE',
    )
  }
  if (p > HLL_MAX_PRECISION) {
    const least = 1.106 / 2 ** (HLL_MAX_PRECISION / 2)
    throw new AnalysisError(
      `INVALID_PARAMETER_VALUE: approx_count_distinct rsd = ${rsd} needs 2^${p} registers per group; the smallest rsd supported is ${least.toPrecision(3)} (2^${HLL_MAX_PRECISION} registers). For an exact answer use count_distinct.`,
      'INVALID_PARAMETER_VALUE',
    )
  }
  return p
}

/** Above these estimates linear counting is no longer the better estimator (HLL++ paper, p = 4..18). */
const THRESHOLDS = [10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000]

export function alphaFor(p: number): number {
  switch (p) {
    case 4:
      return 0.673
    case 5:
      return 0.697
    case 6:
      return 0.709
    default:
      return 0.7213 / (1 + 1.079 / (1 << p))
  }
}

/** 2^-k for every register value. */
const INV_POW2 = Float64Array.from({ length: 66 }, (_, k) => 2 ** -k)

/** The expected raw estimate at cardinality n under the Poisson model (see the file comment). */
export function expectedRawEstimate(n: number, p: number): number {
  const m = 1 << p
  const lambda = n / m
  const q = 64 - p
  // k = 0: the register stays empty.
  let e1 = Math.exp(-lambda)
  let e2 = e1
  for (let k = 1; k <= q; k++) {
    const a = lambda * INV_POW2[k]
    // P(M = k) = exp(-a) - exp(-2a), written to keep its precision when a is tiny.
    const pk = -Math.exp(-a) * Math.expm1(-a)
    e1 += pk * INV_POW2[k]
    e2 += pk * INV_POW2[k] * INV_POW2[k]
  }
  const last = -Math.expm1(-lambda * INV_POW2[q])
  e1 += last * INV_POW2[q + 1]
  e2 += last * INV_POW2[q + 1] * INV_POW2[q + 1]
  const mean = m * e1
  const variance = m * Math.max(0, e2 - e1 * e1)
  return alphaFor(p) * m * m * (1 / mean + variance / (mean * mean * mean))
}

interface BiasTable {
  readonly raw: Float64Array
  readonly bias: Float64Array
}

const BIAS_POINTS = 201
const biasTables = new Map<number, BiasTable>()

function biasTable(p: number): BiasTable {
  let t = biasTables.get(p)
  if (t === undefined) {
    const m = 1 << p
    const raw = new Float64Array(BIAS_POINTS)
    const bias = new Float64Array(BIAS_POINTS)
    for (let j = 0; j < BIAS_POINTS; j++) {
      const n = (j * 6 * m) / (BIAS_POINTS - 1)
      raw[j] = expectedRawEstimate(n, p)
      bias[j] = raw[j] - n
    }
    t = { raw, bias }
    biasTables.set(p, t)
  }
  return t
}

/** The raw estimator's bias at raw estimate e: the table read backwards, interpolated linearly. */
export function estimateBias(e: number, p: number): number {
  const { raw, bias } = biasTable(p)
  if (e <= raw[0]) return bias[0]
  const last = BIAS_POINTS - 1
  if (e >= raw[last]) return bias[last]
  let lo = 0
  let hi = last
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (raw[mid] <= e) lo = mid
    else hi = mid
  }
  const f = (e - raw[lo]) / (raw[hi] - raw[lo])
  return bias[lo] + f * (bias[hi] - bias[lo])
}

/** The HLL++ estimate of the registers regs[offset, offset + 2^p), rounded as Spark rounds it. */
export function estimateCardinality(regs: Uint8Array, offset: number, p: number): number {
  const m = 1 << p
  let zInverse = 0
  let zeros = 0
  for (let i = offset, end = offset + m; i < end; i++) {
    const r = regs[i]
    zInverse += INV_POW2[r]
    if (r === 0) zeros++
  }
  const e = (alphaFor(p) * m * m) / zInverse
  const corrected = e < 5 * m ? e - estimateBias(e, p) : e
  let estimate = corrected
  if (zeros > 0) {
    const h = m * Math.log(m / zeros)
    if (h <= THRESHOLDS[p - HLL_MIN_PRECISION]) estimate = h
  }
  return Math.max(0, Math.round(estimate))
}

/**
 * One group's registers in the state store: dense as base64 (one byte per register), or,
 * while few registers are set, sparse as `index * 64 + value` numbers in index order.
 */
export type HllState =
  | { readonly p: number; readonly r: string }
  | { readonly p: number; readonly s: readonly number[] }

export function encodeRegisters(regs: Uint8Array, offset: number, p: number): HllState {
  const m = 1 << p
  let set = 0
  for (let i = offset, end = offset + m; i < end; i++) if (regs[i] !== 0) set++
  // A sparse entry costs ~3-4 bytes in v8/msgpack against 4/3 bytes per register in base64.
  if (set * 4 <= m) {
    const s: number[] = []
    for (let i = 0; i < m; i++) if (regs[offset + i] !== 0) s.push(i * 64 + regs[offset + i])
    return { p, s }
  }
  return { p, r: Buffer.from(regs.buffer, regs.byteOffset + offset, m).toString('base64') }
}

/** Writes a state's registers into regs[offset, offset + 2^p), replacing what was there. */
export function decodeRegisters(state: unknown, regs: Uint8Array, offset: number, p: number): void {
  const s = state as Partial<{ p: number; r: string; s: readonly number[] }> | null
  const m = 1 << p
  if (s === null || typeof s !== 'object' || typeof s.p !== 'number') {
    throw new Error(`approx_count_distinct: unreadable state ${JSON.stringify(state)?.slice(0, 80)}`)
  }
  if (s.p !== p) {
    throw new AnalysisError(
      `INCOMPATIBLE_STATE: approx_count_distinct state was written with precision ${s.p} (2^${s.p} registers) but the query now asks for precision ${p}; the rsd changed. Use the rsd of the checkpointed query, or start from a new checkpoint.`,
      'INCOMPATIBLE_STATE',
    )
  }
  regs.fill(0, offset, offset + m)
  if (typeof s.r === 'string') {
    const bytes = Buffer.from(s.r, 'base64')
    if (bytes.length !== m)
      throw new Error(`approx_count_distinct: state has ${bytes.length} registers, expected ${m}`)
    regs.set(bytes, offset)
  } else if (Array.isArray(s.s)) {
    for (const x of s.s) regs[offset + Math.floor(x / 64)] = x % 64
  }
}

/** HLL union: register-wise max of src into dst (m registers each). */
export function mergeRegisters(
  dst: Uint8Array,
  dstOffset: number,
  src: Uint8Array,
  srcOffset: number,
  m: number,
): void {
  for (let i = 0; i < m; i++) {
    const x = src[srcOffset + i]
    if (x > dst[dstOffset + i]) dst[dstOffset + i] = x
  }
}
