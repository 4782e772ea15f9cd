/**
 * Assigns dense group ids to the rows of a batch from their key columns, keeping ids
 * stable across batches. Each key column is first dictionary-encoded (numbers through a
 * typed-array hash table, strings through one Map lookup per row); several columns' codes
 * are then folded pairwise into one id, again through typed-array hash tables.
 */
import { type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
import type { DataType } from '../types/data-types.js'
import { Float64HashTable } from './hash-table.js'

/** Codes below 2^26 pack two to a float64 exactly. */
const RADIX = 2 ** 26

class KeyDictionary {
  private readonly numbers = new Float64HashTable()
  private readonly objects = new Map<unknown, number>()
  private nullCode = -1
  private next = 0

  encode(v: Vector, out: Int32Array): void {
    const n = v.length
    if (v.kind === 'number') {
      const values = v.values
      const valid = v.validity
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) out[i] = this.codeOfNull()
        else {
          const before = this.numbers.size
          const id = this.numbers.getOrAdd(values[i])
          out[i] = id === before ? this.fresh(id) : this.fromTable(id)
        }
      }
      return
    }
    for (let i = 0; i < n; i++) {
      const x = valueAt(v, i)
      if (x === null) {
        out[i] = this.codeOfNull()
        continue
      }
      const key = typeof x === 'object' ? JSON.stringify(x) : x
      let code = this.objects.get(key)
      if (code === undefined) {
        code = this.next++
        this.objects.set(key, code)
      }
      out[i] = code
    }
  }

  // Numbers get table ids 0..k in insertion order; codes must also count the null code.
  private readonly tableToCode: number[] = []
  private fresh(tableId: number): number {
    const code = this.next++
    this.tableToCode[tableId] = code
    return code
  }
  private fromTable(tableId: number): number {
    return this.tableToCode[tableId]
  }
  private codeOfNull(): number {
    if (this.nullCode < 0) this.nullCode = this.next++
    return this.nullCode
  }
}

export class GroupIndex {
  private readonly dictionaries: KeyDictionary[]
  private readonly folds: Float64HashTable[]
  private readonly keyBuilders: VectorBuilder[]
  private groups = 0

  constructor(readonly keyTypes: readonly DataType[]) {
    this.dictionaries = keyTypes.map(() => new KeyDictionary())
    this.folds = keyTypes.slice(1).map(() => new Float64HashTable())
    this.keyBuilders = keyTypes.map((t) => new VectorBuilder(t))
  }

  get numGroups(): number {
    return this.groups
  }

  /** Group id of each row; new groups get the next ids and remember their key values. */
  assign(keys: readonly Vector[], numRows: number): Int32Array {
    const ids = new Int32Array(numRows)
    if (keys.length === 0) {
      if (numRows > 0 && this.groups === 0) this.groups = 1
      return ids
    }
    this.dictionaries[0].encode(keys[0], ids)
    const codes = new Int32Array(numRows)
    for (let k = 1; k < keys.length; k++) {
      this.dictionaries[k].encode(keys[k], codes)
      const fold = this.folds[k - 1]
      for (let i = 0; i < numRows; i++) {
        if (ids[i] >= RADIX || codes[i] >= RADIX) {
          throw new RangeError(
            'more than 2^26 distinct values in one grouping column; group on fewer distinct keys',
          )
        }
        ids[i] = fold.getOrAdd(ids[i] * RADIX + codes[i])
      }
    }
    // Dense ids come out of the last stage in first-seen order; record the keys of new ones.
    for (let i = 0; i < numRows; i++) {
      if (ids[i] === this.groups) {
        for (let k = 0; k < keys.length; k++) this.keyBuilders[k].append(valueAt(keys[k], i))
        this.groups++
      }
    }
    return ids
  }

  /** The key columns, one row per group in id order. */
  keyVectors(): Vector[] {
    return this.keyBuilders.map((b) => b.snapshot())
  }
}
