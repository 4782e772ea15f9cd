/**
 * Row objects for the operators that hand rows to user functions (mapGroupsWithState,
 * flatMapGroupsWithState): the same objects as ColumnarBatch.row(i) — Dates for timestamps
 * and dates, null for nulls, own enumerable fields in schema order. One reader per column
 * is chosen once per batch (storage, time or not, nulls present or not), so no type test
 * remains in the loop over rows; fields are added in the same order to every row, so V8
 * gives all rows of a batch one hidden class. No code is generated (no `new Function`).
 */
import type { ColumnarBatch } from './columnar-batch.js'
import type { Vector } from './vector.js'

type Read = (i: number) => unknown

function isTime(v: Vector): boolean {
  return v.type.kind === 'timestamp' || v.type.kind === 'date'
}

/** Column v's value at row i, as batch.row(i) gives it. */
function readerOf(v: Vector): Read {
  if (v.kind === 'object') {
    const a = v.values
    return (i) => a[i] ?? null
  }
  const n = v.validity
  if (v.kind === 'bool') {
    const a = v.values
    return n === null ? (i) => a[i] === 1 : (i) => (n[i] === 0 ? null : a[i] === 1)
  }
  const a = v.values
  if (isTime(v)) return n === null ? (i) => new Date(a[i]) : (i) => (n[i] === 0 ? null : new Date(a[i]))
  return n === null ? (i) => a[i] : (i) => (n[i] === 0 ? null : a[i])
}

/** A function from row index to the row object, equal to batch.row(i) for every i. */
export function rowReader<R>(batch: ColumnarBatch<R>): (i: number) => R {
  const fields = batch.schema.fields
  // `__proto__` as a key would set the prototype instead of a field: keep the slow path.
  if (fields.some((f) => f.name === '__proto__')) return (i) => batch.row(i)
  const names = fields.map((f) => f.name)
  const readers = batch.columns.map(readerOf)
  const width = names.length
  return (i) => {
    const row: Record<string, unknown> = {}
    for (let c = 0; c < width; c++) row[names[c]] = readers[c](i)
    return row as R
  }
}
