/**
 * The hash table of a hash join's build side: dense ids for its key combinations, built
 * as GroupIndex builds group ids (numbers through typed-array hash tables, other values
 * through one Map lookup, several columns folded pairwise), and a row list per id. Probe
 * rows only look ids up: a stream probing a static table must not grow it batch by
 * batch. A null in any key column matches nothing (SQL equality).
 */
import { type Vector, valueAt } from '../../batch/vector.js'
import { Float64HashTable } from '../hash-table.js'

/** Codes below 2^26 pack two to a float64 exactly. */
const RADIX = 2 ** 26
const NONE = -1

class Dictionary {
  private readonly numbers = new Float64HashTable()
  private readonly objects = new Map<unknown, number>()

  /** Each row's code (added when new), or -1 for null. */
  add(v: Vector, out: Int32Array): void {
    this.encode(v, out, true)
  }

  /** Each row's code, or -1 for null or a value the build side does not have. */
  lookup(v: Vector, out: Int32Array): void {
    this.encode(v, out, false)
  }

  private encode(v: Vector, out: Int32Array, adding: boolean): void {
    const n = v.length
    if (v.kind === 'number') {
      const values = v.values
      const valid = v.validity
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) out[i] = NONE
        else out[i] = adding ? this.numbers.getOrAdd(values[i]) : this.numbers.get(values[i])
      }
      return
    }
    for (let i = 0; i < n; i++) {
      const x = valueAt(v, i)
      if (x === null) {
        out[i] = NONE
        continue
      }
      const key = typeof x === 'object' ? JSON.stringify(x) : x
      let code = this.objects.get(key)
      if (code === undefined && adding) {
        code = this.objects.size
        this.objects.set(key, code)
      }
      out[i] = code ?? NONE
    }
  }
}

export class JoinKeyIndex {
  private readonly dictionaries: Dictionary[]
  private readonly folds: Float64HashTable[]
  /** Rows of key id k are rows[offsets[k] .. offsets[k + 1]). */
  private offsets = new Int32Array(1)
  private rows = new Int32Array(0)

  constructor(keyCount: number) {
    this.dictionaries = Array.from({ length: keyCount }, () => new Dictionary())
    this.folds = Array.from({ length: Math.max(0, keyCount - 1) }, () => new Float64HashTable())
  }

  private ids(keys: readonly Vector[], numRows: number, adding: boolean): Int32Array {
    const ids = new Int32Array(numRows)
    const d0 = this.dictionaries[0]
    adding ? d0.add(keys[0], ids) : d0.lookup(keys[0], ids)
    const codes = new Int32Array(numRows)
    for (let k = 1; k < keys.length; k++) {
      const d = this.dictionaries[k]
      adding ? d.add(keys[k], codes) : d.lookup(keys[k], codes)
      const fold = this.folds[k - 1]
      for (let i = 0; i < numRows; i++) {
        if (ids[i] === NONE || codes[i] === NONE) {
          ids[i] = NONE
          continue
        }
        if (ids[i] >= RADIX || codes[i] >= RADIX) {
          throw new RangeError(
            'more than 2^26 distinct values in one join key column; join on fewer distinct keys',
          )
        }
        const packed = ids[i] * RADIX + codes[i]
        ids[i] = adding ? fold.getOrAdd(packed) : fold.get(packed)
      }
    }
    return ids
  }

  /** Indexes the build side; rows where `include` is 0 (a failed pre-join filter) are left out. */
  build(keys: readonly Vector[], numRows: number, include: Uint8Array | null): void {
    const ids = this.ids(keys, numRows, true)
    let distinct = 0
    for (let i = 0; i < numRows; i++) if (ids[i] >= distinct) distinct = ids[i] + 1
    const counts = new Int32Array(distinct + 1)
    for (let i = 0; i < numRows; i++)
      if (ids[i] !== NONE && (include === null || include[i] === 1)) counts[ids[i] + 1]++
    for (let k = 0; k < distinct; k++) counts[k + 1] += counts[k]
    this.offsets = counts
    this.rows = new Int32Array(counts[distinct])
    const next = counts.slice(0, distinct)
    for (let i = 0; i < numRows; i++) {
      if (ids[i] !== NONE && (include === null || include[i] === 1)) this.rows[next[ids[i]]++] = i
    }
  }

  /** The key id of each probe row, or -1 when it matches no build row. */
  probe(keys: readonly Vector[], numRows: number): Int32Array {
    const ids = this.ids(keys, numRows, false)
    for (let i = 0; i < numRows; i++) if (ids[i] >= this.offsets.length - 1) ids[i] = NONE
    return ids
  }

  /** Build rows of key id k are `buildRows[offsets[k] .. offsets[k + 1])`. */
  get offsetsOfKeys(): Int32Array {
    return this.offsets
  }

  get buildRows(): Int32Array {
    return this.rows
  }
}
