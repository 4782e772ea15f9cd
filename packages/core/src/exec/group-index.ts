/**
 * Assigns dense group ids to the rows of a batch from their key columns, keeping ids
 * stable across batches. Each key column is first dictionary-encoded (numbers through a
 * typed-array hash table, strings through one Map lookup per row); several columns' codes
 * are then folded pairwise into one id, again through typed-array hash tables.
 *
 * When every key column is numeric without nulls (window starts, ids, timestamps), the
 * keys go instead into one open-addressing table over the columns' own float64 values:
 * one probe per row rather than one per column plus one per fold, and the group keys are
 * kept in typed arrays rather than appended value by value.
 */
import { type NumberVector, numberVector, type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
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

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

/** Group ids over several numeric key columns (no nulls) in one open-addressing table. */
class NumericKeyTable {
  /** Key values by group id, one array per key column. */
  keys: Float64Array[]
  private slots: Int32Array
  private mask: number
  size = 0

  /** `rows`: how many rows the first batch has; the table starts big enough for as many groups, up to 64 K. */
  constructor(columns: number, rows: number) {
    let slots = 2048
    while (slots < 2 * Math.min(rows, 1 << 16)) slots *= 2
    this.slots = new Int32Array(slots).fill(-1)
    this.mask = this.slots.length - 1
    this.keys = Array.from({ length: columns }, () => new Float64Array(slots >> 1))
  }

  private static hash(cols: readonly Float64Array[], i: number): number {
    let h = 0x9e3779b9
    for (let c = 0; c < cols.length; c++) {
      const x = cols[c][i]
      f64[0] = x === 0 ? 0 : x // -0 and 0 are one key
      h = Math.imul(h ^ u32[0], 0x85ebca6b)
      h = Math.imul(((h << 13) | (h >>> 19)) ^ u32[1], 0xc2b2ae35)
    }
    return NumericKeyTable.finish(h)
  }

  /** The group id of row i of `cols`, added with the next id when new. */
  idOf(cols: readonly Float64Array[], i: number): number {
    const keys = this.keys
    let s = NumericKeyTable.hash(cols, i) & this.mask
    for (;;) {
      const id = this.slots[s]
      if (id < 0) break
      let same = true
      for (let c = 0; c < cols.length; c++) {
        const a = keys[c][id]
        const b = cols[c][i]
        if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) {
          same = false
          break
        }
      }
      if (same) return id
      s = (s + 1) & this.mask
    }
    return this.insert(s, cols, i)
  }

  /**
   * idOf for every row of one key column, without the loops over columns: most grouping
   * keys are one or two numbers (an id; a window start and an id). Same hash, same ids.
   */
  idsOf1(a: Float64Array, ids: Int32Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const x = a[i]
      f64[0] = x === 0 ? 0 : x
      let h = Math.imul(0x9e3779b9 ^ u32[0], 0x85ebca6b)
      h = Math.imul(((h << 13) | (h >>> 19)) ^ u32[1], 0xc2b2ae35)
      let s = NumericKeyTable.finish(h) & this.mask
      const keys = this.keys[0]
      let id: number
      for (;;) {
        id = this.slots[s]
        if (id < 0 || keys[id] === x || (Number.isNaN(x) && Number.isNaN(keys[id]))) break
        s = (s + 1) & this.mask
      }
      ids[i] = id >= 0 ? id : this.insert(s, [a], i)
    }
  }

  idsOf2(a: Float64Array, b: Float64Array, ids: Int32Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const x = a[i]
      const y = b[i]
      f64[0] = x === 0 ? 0 : x
      let h = Math.imul(0x9e3779b9 ^ u32[0], 0x85ebca6b)
      h = Math.imul(((h << 13) | (h >>> 19)) ^ u32[1], 0xc2b2ae35)
      f64[0] = y === 0 ? 0 : y
      h = Math.imul(h ^ u32[0], 0x85ebca6b)
      h = Math.imul(((h << 13) | (h >>> 19)) ^ u32[1], 0xc2b2ae35)
      let s = NumericKeyTable.finish(h) & this.mask
      const ka = this.keys[0]
      const kb = this.keys[1]
      let id: number
      for (;;) {
        id = this.slots[s]
        if (id < 0) break
        const p = ka[id]
        const q = kb[id]
        if (
          (p === x || (Number.isNaN(x) && Number.isNaN(p))) &&
          (q === y || (Number.isNaN(y) && Number.isNaN(q)))
        )
          break
        s = (s + 1) & this.mask
      }
      ids[i] = id >= 0 ? id : this.insert(s, [a, b], i)
    }
  }

  /** Adds row i of `cols` as a new group at free slot s; returns its id. */
  private insert(s: number, cols: readonly Float64Array[], i: number): number {
    const keys = this.keys
    const id = this.size++
    if (id === keys[0].length) {
      for (let c = 0; c < keys.length; c++) {
        const grown = new Float64Array(keys[c].length * 2)
        grown.set(keys[c])
        keys[c] = grown
      }
    }
    for (let c = 0; c < cols.length; c++) keys[c][id] = cols[c][i]
    this.slots[s] = id
    if (this.size * 2 > this.mask) this.grow()
    return id
  }

  private static finish(h: number): number {
    h ^= h >>> 16
    h = Math.imul(h, 0x7feb352d)
    h ^= h >>> 15
    h = Math.imul(h, 0x846ca68b)
    return (h ^ (h >>> 16)) >>> 0
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1)
    this.mask = this.slots.length - 1
    for (let id = 0; id < this.size; id++) {
      let s = NumericKeyTable.hash(this.keys, id) & this.mask
      while (this.slots[s] >= 0) s = (s + 1) & this.mask
      this.slots[s] = id
    }
  }
}

export class GroupIndex {
  private readonly dictionaries: KeyDictionary[]
  private readonly folds: Float64HashTable[]
  private keyBuilders: VectorBuilder[]
  private groups = 0
  /** Set while every call had numeric keys without nulls; then it holds the groups. */
  private numeric: NumericKeyTable | null = null
  private usedGeneric = false

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
    if (keys.length === 0) {
      if (numRows > 0 && this.groups === 0) this.groups = 1
      return new Int32Array(numRows)
    }
    if (!this.usedGeneric && keys.every((k) => k.kind === 'number' && k.validity === null)) {
      return this.assignNumeric(keys as readonly NumberVector[], numRows)
    }
    if (this.numeric) {
      // Keys with nulls (or non-numbers) after numeric ones: replay the groups so far through
      // the general path, which gives them the same ids in the same order.
      const table = this.numeric
      const before = this.groups
      this.numeric = null
      this.groups = 0
      this.keyBuilders = this.keyTypes.map((t) => new VectorBuilder(t))
      this.usedGeneric = true
      this.assignGeneric(
        table.keys.map((k, c) => numberVector(this.keyTypes[c], k.slice(0, before))),
        before,
      )
    }
    this.usedGeneric = true
    return this.assignGeneric(keys, numRows)
  }

  private assignNumeric(keys: readonly NumberVector[], numRows: number): Int32Array {
    if (this.numeric === null) this.numeric = new NumericKeyTable(keys.length, numRows)
    const table = this.numeric
    const cols = keys.map((k) => k.values)
    const ids = new Int32Array(numRows)
    if (cols.length === 1) table.idsOf1(cols[0], ids, numRows)
    else if (cols.length === 2) table.idsOf2(cols[0], cols[1], ids, numRows)
    else for (let i = 0; i < numRows; i++) ids[i] = table.idOf(cols, i)
    this.groups = table.size
    return ids
  }

  private assignGeneric(keys: readonly Vector[], numRows: number): Int32Array {
    const ids = new Int32Array(numRows)
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

  /** Group g's value of key column `column`, in engine form. */
  keyValue(column: number, g: number): unknown {
    const table = this.numeric
    if (table) return table.keys[column][g]
    return this.keyBuilders[column].get(g)
  }

  /** The key columns of the groups `ids`, in that order. */
  keyVectorsAt(ids: ArrayLike<number>): Vector[] {
    const table = this.numeric
    const n = ids.length
    return this.keyTypes.map((type, c) => {
      if (table) {
        const src = table.keys[c]
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) out[i] = src[ids[i]]
        return numberVector(type, out)
      }
      const b = new VectorBuilder(type, n)
      const from = this.keyBuilders[c]
      for (let i = 0; i < n; i++) b.append(from.get(ids[i]))
      return b.finish()
    })
  }

  /** The key columns, one row per group in id order. */
  keyVectors(): Vector[] {
    const table = this.numeric
    if (table) return table.keys.map((k, c) => numberVector(this.keyTypes[c], k.slice(0, this.groups)))
    return this.keyBuilders.map((b) => b.snapshot())
  }
}
