/**
 * An order-independent checksum of a query's output, so that Tributary and its peers can be
 * compared by answer, not only by speed. Each row hashes its values in column order into two
 * 32-bit lanes; the rows' hashes are summed (mod 2^32 per lane), so the order of rows and of
 * batches does not matter, while every value and its column position does.
 *
 * Values are hashed by meaning, not by representation: a number by its float64 bits (ids,
 * prices and epoch-ms timestamps are exact integers), a Date by its epoch ms, a string by its
 * UTF-16 code units, a struct as its fields in order (a window is its start and end), an
 * array as its length and elements. So a Float64Array column and an array of JS numbers, or
 * a `{ start: Date, end: Date }` column and two ms columns, give the same checksum.
 */

export type Cell =
  | number
  | string
  | boolean
  | null
  | undefined
  | Date
  | readonly Cell[]
  | { readonly [k: string]: Cell }

/** One column of output: numbers in a Float64Array, or any cells. */
export type ColumnData = Float64Array | ArrayLike<Cell>

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}

const NULL_A = 0x6e756c6c
const NULL_B = 0x4e554c4c

/** FNV-1a over UTF-16 code units. */
function stringHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return fmix32(h)
}

// Long strings repeat (pools, channels, URLs): remember their hashes. Short ones are
// cheaper to hash again than to look up.
const stringHashes = new Map<string, number>()
function cachedStringHash(s: string): number {
  if (s.length <= 24) return stringHash(s)
  let h = stringHashes.get(s)
  if (h === undefined) {
    h = stringHash(s)
    if (stringHashes.size > 1 << 20) stringHashes.clear()
    stringHashes.set(s, h)
  }
  return h
}

/** Running hash of the row being built, two lanes. */
let rowA = 0
let rowB = 0

function mixNumber(x: number): void {
  f64[0] = x === 0 ? 0 : x
  const lo = u32[0]
  const hi = u32[1]
  rowA = Math.imul(rowA ^ fmix32(lo ^ Math.imul(hi, 0x9e3779b1)), 0x01000193)
  rowB = (Math.imul(rowB, 31) + fmix32(hi ^ Math.imul(lo, 0x27d4eb2f))) | 0
}

function mixString(s: string): void {
  const h = cachedStringHash(s)
  rowA = Math.imul(rowA ^ h, 0x01000193)
  rowB = (Math.imul(rowB, 31) + fmix32(h ^ 0x27d4eb2f)) | 0
}

function mixNull(): void {
  rowA = Math.imul(rowA ^ NULL_A, 0x01000193)
  rowB = (Math.imul(rowB, 31) + NULL_B) | 0
}

function mixCell(v: Cell): void {
  if (v === null || v === undefined) mixNull()
  else if (typeof v === 'number') mixNumber(v)
  else if (typeof v === 'string') mixString(v)
  else if (typeof v === 'boolean') mixNumber(v ? 1 : 0)
  else if (v instanceof Date) mixNumber(v.getTime())
  else if (Array.isArray(v)) {
    mixNumber(v.length)
    for (const x of v as readonly Cell[]) mixCell(x)
  } else {
    const o = v as { readonly [k: string]: Cell }
    for (const k in o) mixCell(o[k])
  }
}

export class Checksum {
  rows = 0
  private sumA = 0
  private sumB = 0
  private accA = new Int32Array(0)
  private accB = new Int32Array(0)

  private endRow(): void {
    this.sumA = (this.sumA + fmix32(rowA)) | 0
    this.sumB = (this.sumB + fmix32(rowB ^ 0x5bd1e995)) | 0
    this.rows++
  }

  addRow(cells: readonly Cell[]): void {
    rowA = 0x811c9dc5 | 0
    rowB = 17
    for (let i = 0; i < cells.length; i++) mixCell(cells[i])
    this.endRow()
  }

  /** n rows given column by column. */
  addColumns(columns: readonly ColumnData[], n: number): void {
    if (this.accA.length < n) {
      this.accA = new Int32Array(n)
      this.accB = new Int32Array(n)
    }
    const A = this.accA
    const B = this.accB
    A.fill(0x811c9dc5 | 0, 0, n)
    B.fill(17, 0, n)
    for (const col of columns) {
      if (col instanceof Float64Array) {
        for (let i = 0; i < n; i++) {
          const x = col[i]
          f64[0] = x === 0 ? 0 : x
          const lo = u32[0]
          const hi = u32[1]
          A[i] = Math.imul(A[i] ^ fmix32(lo ^ Math.imul(hi, 0x9e3779b1)), 0x01000193)
          B[i] = (Math.imul(B[i], 31) + fmix32(hi ^ Math.imul(lo, 0x27d4eb2f))) | 0
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = col[i]
          if (typeof v === 'string') {
            const h = cachedStringHash(v)
            A[i] = Math.imul(A[i] ^ h, 0x01000193)
            B[i] = (Math.imul(B[i], 31) + fmix32(h ^ 0x27d4eb2f)) | 0
          } else {
            rowA = A[i]
            rowB = B[i]
            mixCell(v)
            A[i] = rowA
            B[i] = rowB
          }
        }
      }
    }
    let sa = this.sumA
    let sb = this.sumB
    for (let i = 0; i < n; i++) {
      sa = (sa + fmix32(A[i])) | 0
      sb = (sb + fmix32(B[i] ^ 0x5bd1e995)) | 0
    }
    this.sumA = sa
    this.sumB = sb
    this.rows += n
  }

  /** `rows:hash`, e.g. `9200000:1a2b3c4d5e6f7a8b`. */
  value(): string {
    const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0')
    return `${this.rows}:${hex(this.sumA)}${hex(this.sumB)}`
  }
}
