/**
 * Greenwald-Khanna quantile summary, as Spark's QuantileSummaries (the engine of
 * percentile_approx): tuples (value, g, delta) in value order, where g is the number of
 * values between this tuple and the previous one and delta bounds the uncertainty of its
 * rank. Values arrive in a head buffer; a flush sorts the buffer into the tuples (new
 * interior tuples get delta = ⌊2·ε·count⌋ - 1) and compresses (adjacent tuples merge while
 * g + g' + delta' < 2·ε·count). A query answers rank ceil(q·n) within ε·n, ε = 1/accuracy.
 * Merging two summaries interleaves their tuples and widens the delta of each tuple that
 * lands between two of the other side's (as Spark 3's merge does), then compresses.
 *
 * The invariant behind the bound is g + delta ≤ max(1, ⌊2εn⌋) for every tuple: a query then
 * finds a tuple whose rank range is within ⌊max(g + delta) / 2⌋ ≤ ⌊εn⌋ of the target.
 * Four differences from Spark:
 * - A new interior tuple gets delta = max(0, ⌊2εn⌋ - 1), a sound GK bound (its true rank
 *   lies between its neighbours', g + delta - 1 ≤ 2εn - 1 apart). Spark gives ⌊2εn⌋, so its
 *   g + delta can reach 2εn + 1 and an answer can be ⌊εn + ½⌋ ranks off (found by a property
 *   test: 6 values, accuracy 10, one rank off where εn = 0.6). Here the invariant holds, so
 *   answers are within ⌊εn⌋ ranks, and exact while a group has fewer than `accuracy`
 *   values (Spark: fewer than accuracy / 2).
 * - Merge widens an interleaved tuple by the next tuple's g + delta - 1 on the other side,
 *   which is what its rank can actually move; Spark adds ⌊2ε·n_other⌋, which breaks the
 *   invariant when 2ε·n < 1 (every g is at least 1) and is looser otherwise.
 * - Spark flushes a 50,000-value head and compresses only once 10,000 tuples pile up.
 *   Here the head holds max(1024, tuples) values and every flush compresses, so the
 *   state (tuples + unflushed head) stays within about twice the compressed summary.
 * - The head buffer is part of the saved state and flushes depend only on how many values
 *   arrived, so a group's summary after a stream split into micro-batches is identical to
 *   the summary of the same values arriving in one batch.
 *
 * Values are float64 (epoch milliseconds for time). NaN sorts after +Infinity, as in Spark.
 */

const MIN_HEAD = 1024

/** a < b in Spark's double order (NaN greatest). */
const less = (a: number, b: number): boolean => a < b || (Number.isNaN(b) && !Number.isNaN(a))
const lessOrEqual = (a: number, b: number): boolean => !less(b, a)

/** A summary in the state store: values (and the head) as base64 float64 little-endian, g and delta as plain integers. */
export interface QuantileSummaryState {
  /** Values in the tuples (the head not counted). */
  readonly n: number
  readonly v: string
  readonly g: readonly number[]
  readonly d: readonly number[]
  /** The unflushed head buffer, in arrival order. */
  readonly h: string
}

function f64ToBase64(a: Float64Array, length: number): string {
  return Buffer.from(a.buffer, a.byteOffset, length * 8).toString('base64')
}

function base64ToF64(s: string): Float64Array {
  const bytes = Buffer.from(s, 'base64')
  const out = new Float64Array(bytes.length / 8)
  new Uint8Array(out.buffer).set(bytes)
  return out
}

export class QuantileSummary {
  /** Tuple values, g and delta, [0, size) in use. */
  private values: Float64Array
  private g: Float64Array
  private delta: Float64Array
  private size = 0
  /** Values in the tuples. */
  private count = 0
  private head: Float64Array
  private headLength = 0
  private headLimit = MIN_HEAD

  constructor(readonly relativeError: number) {
    this.values = new Float64Array(8)
    this.g = new Float64Array(8)
    this.delta = new Float64Array(8)
    this.head = new Float64Array(8)
  }

  /** Values seen, flushed or not. */
  get totalCount(): number {
    return this.count + this.headLength
  }

  /** Tuples kept (after the last flush). */
  get tupleCount(): number {
    return this.size
  }

  insert(x: number): void {
    // The flush point depends only on how many values arrived (never on the buffer's
    // capacity), so a summary restored from state flushes exactly where the original would.
    if (this.headLength >= this.headLimit) this.flush()
    if (this.headLength === this.head.length) {
      const next = new Float64Array(Math.min(this.headLimit, this.head.length * 2))
      next.set(this.head)
      this.head = next
    }
    this.head[this.headLength++] = x
  }

  /** Sorts the head into the tuples, then compresses (Spark's withHeadBufferInserted + compress). */
  flush(): void {
    if (this.headLength === 0) return
    const sorted = this.head.subarray(0, this.headLength).sort()
    const total = this.size + sorted.length
    const values = new Float64Array(total)
    const g = new Float64Array(total)
    const delta = new Float64Array(total)
    const twoEps = 2 * this.relativeError
    let out = 0
    let s = 0
    let count = this.count
    for (let i = 0; i < sorted.length; i++) {
      const x = sorted[i]
      while (s < this.size && lessOrEqual(this.values[s], x)) {
        values[out] = this.values[s]
        g[out] = this.g[s]
        delta[out] = this.delta[s]
        out++
        s++
      }
      count++
      values[out] = x
      g[out] = 1
      // A new minimum or maximum knows its rank exactly. A value landing before tuple i is
      // uncertain by g_i + delta_i - 1 ≤ 2εn - 1 (Spark uses ⌊2εn⌋, one more; see the file comment).
      delta[out] =
        out === 0 || (s === this.size && i === sorted.length - 1)
          ? 0
          : Math.max(0, Math.floor(twoEps * count) - 1)
      out++
    }
    while (s < this.size) {
      values[out] = this.values[s]
      g[out] = this.g[s]
      delta[out] = this.delta[s]
      out++
      s++
    }
    this.count = count
    this.headLength = 0
    this.setTuples(values, g, delta, total)
    this.compress()
  }

  private setTuples(values: Float64Array, g: Float64Array, delta: Float64Array, size: number): void {
    this.values = values
    this.g = g
    this.delta = delta
    this.size = size
    this.headLimit = Math.max(MIN_HEAD, size)
  }

  /** Spark's compressImmut: merges from the top down, keeping the minimum and maximum tuples. */
  private compress(): void {
    const n = this.size
    if (n <= 2) return
    const threshold = 2 * this.relativeError * this.count
    const { values, g, delta } = this
    // Built back to front into the tail of new arrays.
    const ov = new Float64Array(n)
    const og = new Float64Array(n)
    const od = new Float64Array(n)
    let w = n
    let headV = values[n - 1]
    let headG = g[n - 1]
    let headD = delta[n - 1]
    for (let i = n - 2; i >= 1; i--) {
      if (g[i] + headG + headD < threshold) {
        headG += g[i]
      } else {
        w--
        ov[w] = headV
        og[w] = headG
        od[w] = headD
        headV = values[i]
        headG = g[i]
        headD = delta[i]
      }
    }
    w--
    ov[w] = headV
    og[w] = headG
    od[w] = headD
    if (lessOrEqual(values[0], headV)) {
      w--
      ov[w] = values[0]
      og[w] = g[0]
      od[w] = delta[0]
    }
    this.setTuples(ov.subarray(w), og.subarray(w), od.subarray(w), n - w)
  }

  /** A flushed copy; this summary is left as it was. */
  compressed(): QuantileSummary {
    const c = this.copy()
    c.flush()
    return c
  }

  copy(): QuantileSummary {
    const c = new QuantileSummary(this.relativeError)
    c.setTuples(
      this.values.slice(0, this.size),
      this.g.slice(0, this.size),
      this.delta.slice(0, this.size),
      this.size,
    )
    c.count = this.count
    c.head = this.head.slice(0, Math.max(8, this.headLength))
    c.headLength = this.headLength
    return c
  }

  /**
   * The union of two summaries (Spark 3's QuantileSummaries.merge, with a tighter widening):
   * tuples interleaved in value order; a tuple that lands before the other side's tuple j
   * has between rmin(j - 1) and rmax(j) - 1 of the other side's values before it, so its
   * delta grows by g_j + delta_j - 1. Tuples below or above all of the other side's keep
   * their delta. Then compressed. Neither input changes.
   */
  static merge(a: QuantileSummary, b: QuantileSummary): QuantileSummary {
    const x = a.compressed()
    const y = b.compressed()
    if (y.count === 0) return x
    if (x.count === 0) return y
    const total = x.size + y.size
    const values = new Float64Array(total)
    const g = new Float64Array(total)
    const delta = new Float64Array(total)
    let i = 0
    let j = 0
    let out = 0
    while (i < x.size && j < y.size) {
      if (less(x.values[i], y.values[j])) {
        values[out] = x.values[i]
        g[out] = x.g[i]
        delta[out] = x.delta[i] + (j > 0 ? y.g[j] + y.delta[j] - 1 : 0)
        i++
      } else {
        values[out] = y.values[j]
        g[out] = y.g[j]
        delta[out] = y.delta[j] + (i > 0 ? x.g[i] + x.delta[i] - 1 : 0)
        j++
      }
      out++
    }
    for (; i < x.size; i++, out++) {
      values[out] = x.values[i]
      g[out] = x.g[i]
      delta[out] = x.delta[i]
    }
    for (; j < y.size; j++, out++) {
      values[out] = y.values[j]
      g[out] = y.g[j]
      delta[out] = y.delta[j]
    }
    const merged = new QuantileSummary(Math.max(x.relativeError, y.relativeError))
    merged.setTuples(values, g, delta, total)
    merged.count = x.count + y.count
    merged.compress()
    return merged
  }

  /**
   * The approximate value at each percentage (Spark's query); null when no value was seen.
   * Works on a flushed copy, so asking does not change the summary or its saved state.
   */
  query(percentages: readonly number[]): number[] | null {
    if (this.totalCount === 0) return null
    const s = this.headLength > 0 ? this.compressed() : this
    const { values, g, delta, size, count } = s
    const eps = this.relativeError
    let maxSpan = 0
    for (let i = 0; i < size; i++) if (g[i] + delta[i] > maxSpan) maxSpan = g[i] + delta[i]
    const targetError = Math.floor(maxSpan / 2)
    const order = percentages.map((_, i) => i).sort((a, b) => percentages[a] - percentages[b])
    const result = new Array<number>(percentages.length)
    // Percentages ascend, so the scan resumes where the previous one stopped.
    let index = 0
    let minRank = g[0]
    for (const pos of order) {
      const q = percentages[pos]
      if (q <= eps) {
        result[pos] = values[0]
        continue
      }
      if (q >= 1 - eps) {
        result[pos] = values[size - 1]
        continue
      }
      const rank = Math.ceil(q * count)
      let found = false
      while (index < size - 1) {
        const maxRank = minRank + delta[index]
        if (maxRank - targetError <= rank && rank <= minRank + targetError) {
          found = true
          break
        }
        index++
        minRank += g[index]
      }
      result[pos] = found ? values[index] : values[size - 1]
    }
    return result
  }

  toState(): QuantileSummaryState {
    const plain = (a: Float64Array): number[] => Array.from(a.subarray(0, this.size))
    return {
      n: this.count,
      v: f64ToBase64(this.values, this.size),
      g: plain(this.g),
      d: plain(this.delta),
      h: f64ToBase64(this.head, this.headLength),
    }
  }

  static fromState(state: unknown, relativeError: number): QuantileSummary {
    const s = state as Partial<QuantileSummaryState> | null
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.n !== 'number' ||
      typeof s.v !== 'string' ||
      !Array.isArray(s.g) ||
      !Array.isArray(s.d) ||
      typeof s.h !== 'string'
    ) {
      throw new Error(`percentile_approx: unreadable state ${JSON.stringify(state)?.slice(0, 80)}`)
    }
    const q = new QuantileSummary(relativeError)
    const values = base64ToF64(s.v)
    q.setTuples(values, Float64Array.from(s.g), Float64Array.from(s.d), values.length)
    q.count = s.n
    const head = base64ToF64(s.h)
    q.headLength = head.length
    q.head = head.length >= 8 ? head : new Float64Array(8)
    if (head.length < 8) q.head.set(head)
    return q
  }
}
