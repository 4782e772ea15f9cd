/**
 * How a ColumnarBatch crosses between threads: column by column, as ArrayBuffers that are
 * transferred (moved, not copied, by postMessage), never as JSON and never row by row.
 *
 * - numbers, timestamps, dates: the Float64Array of values (+ the validity bytes);
 * - booleans: the Uint8Array of values (+ validity);
 * - strings: every value of the column in one UTF-16 buffer with the end offset of each
 *   value, so that a column of 100 000 strings is two buffers, one native encode and one
 *   native decode (UTF-16, not UTF-8, so that any JS string, lone surrogates included,
 *   comes back exactly); a column with few distinct values (a channel, a country, text
 *   drawn from a pool) goes as its distinct values, encoded so, and one code per row, as
 *   Arrow's and Parquet's dictionaries do: a long repeated text is copied once, not once a row;
 * - other values (binary, arrays, structs, maps): the array of values itself, which
 *   postMessage copies by structured clone (these are nested JS values; there is no flat
 *   buffer form of them in the engine to move).
 *
 * Typed arrays are copied once into buffers of their own before they are transferred: a
 * batch's columns may be views on a larger buffer or shared with another batch (projection
 * is zero copy), and transferring a shared buffer would empty it for its other holder.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import {
  boolVector,
  constantVector,
  numberVector,
  type ObjectVector,
  objectVector,
  type Vector,
} from '../batch/vector.js'
import type { DataType, StructField } from '../types/data-types.js'
import { Schema } from '../types/schema.js'

export type EncodedColumn =
  | {
      readonly kind: 'number'
      readonly type: DataType
      readonly values: Float64Array
      readonly validity: Uint8Array | null
    }
  | {
      readonly kind: 'bool'
      readonly type: DataType
      readonly values: Uint8Array
      readonly validity: Uint8Array | null
    }
  | {
      readonly kind: 'string'
      readonly type: DataType
      /** Every value's UTF-16 code units, one after another. */
      readonly text: Uint8Array
      /** Each value's end, in code units, within text; a null value ends where it starts. */
      readonly ends: Uint32Array
      /** 1 = present; null when no value is null. */
      readonly validity: Uint8Array | null
    }
  | { readonly kind: 'object'; readonly type: DataType; readonly values: readonly unknown[] }
  | {
      readonly kind: 'dict'
      readonly type: DataType
      /** The distinct values, a 'string' column. */
      readonly dict: EncodedColumn
      /** Each row's index in dict; NULL_CODE for null. */
      readonly codes: Uint32Array
    }
  /** A column the receiving stage never reads (see columns-read.ts): sent as its length only, read as nulls. */
  | { readonly kind: 'absent'; readonly type: DataType; readonly length: number }

export interface EncodedBatch {
  readonly fields: readonly StructField[]
  readonly numRows: number
  readonly columns: readonly EncodedColumn[]
}

/** A typed array in a buffer of its own (offset 0, exact length), safe to transfer. */
function own<T extends Float64Array | Uint8Array>(a: T): T {
  return a.slice() as T
}

const NULL_CODE = 0xffffffff
/**
 * A dictionary is given up once its distinct values pass a quarter of the column's rows, or
 * three quarters of the first DICT_SAMPLE rows (a column of mostly distinct values shows
 * early: ids, urls with ids).
 */
const DICT_SAMPLE = 2048
const DICT_MAX_SHARE = 0.25
const DICT_SAMPLE_MAX_SHARE = 0.75

/** The column as distinct values and codes, or null when its values are mostly distinct (or not strings). */
function encodeDictionary(type: DataType, values: readonly unknown[]): EncodedColumn | null {
  const n = values.length
  const max = Math.max(16, Math.floor(n * DICT_MAX_SHARE))
  const sample = Math.min(n, DICT_SAMPLE)
  const ids = new Map<string, number>()
  const distinct: string[] = []
  const codes = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (v == null) {
      codes[i] = NULL_CODE
      continue
    }
    if (typeof v !== 'string') return null
    let id = ids.get(v)
    if (id === undefined) {
      id = distinct.length
      if (id >= max || (i < sample && id >= Math.max(16, sample * DICT_SAMPLE_MAX_SHARE))) return null
      ids.set(v, id)
      distinct.push(v)
    }
    codes[i] = id
  }
  const dict = encodePlainStrings(type, distinct)
  return dict && { kind: 'dict', type, dict, codes }
}

function encodeStrings(type: DataType, values: readonly unknown[]): EncodedColumn | null {
  return values.length >= 64
    ? (encodeDictionary(type, values) ?? encodePlainStrings(type, values))
    : encodePlainStrings(type, values)
}

function encodePlainStrings(type: DataType, values: readonly unknown[]): EncodedColumn | null {
  const n = values.length
  const ends = new Uint32Array(n)
  let validity: Uint8Array | null = null
  let units = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (typeof v === 'string') units += v.length
    else if (v == null) {
      validity ??= new Uint8Array(n).fill(1)
      validity[i] = 0
    } else return null
    ends[i] = units
  }
  // One join and one native write: no per-value encode call.
  const text = Buffer.allocUnsafeSlow(units * 2)
  text.write(n === 0 ? '' : (values as (string | null)[]).map((v) => v ?? '').join(''), 'utf16le')
  return { kind: 'string', type, text: new Uint8Array(text.buffer, 0, units * 2), ends, validity }
}

export function encodeVector(v: Vector): EncodedColumn {
  switch (v.kind) {
    case 'number':
      return { kind: 'number', type: v.type, values: own(v.values), validity: v.validity && own(v.validity) }
    case 'bool':
      return { kind: 'bool', type: v.type, values: own(v.values), validity: v.validity && own(v.validity) }
    case 'object':
      return (
        (v.type.kind === 'string' ? encodeStrings(v.type, v.values) : null) ?? {
          kind: 'object',
          type: v.type,
          values: v.values,
        }
      )
  }
}

export function decodeVector(c: EncodedColumn): Vector {
  switch (c.kind) {
    case 'absent':
      return constantVector(c.type, null, c.length)
    case 'number':
      return numberVector(c.type, c.values, c.validity)
    case 'bool':
      return boolVector(c.type, c.values, c.validity)
    case 'object':
      return objectVector(c.type, c.values)
    case 'dict': {
      const dict = (decodeVector(c.dict) as ObjectVector).values
      const n = c.codes.length
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) {
        const code = c.codes[i]
        out[i] = code === NULL_CODE ? null : dict[code]
      }
      return objectVector(c.type, out)
    }
    case 'string': {
      const all = Buffer.from(c.text.buffer, c.text.byteOffset, c.text.byteLength).toString('utf16le')
      const n = c.ends.length
      const out = new Array<string | null>(n)
      let start = 0
      for (let i = 0; i < n; i++) {
        const end = c.ends[i]
        out[i] = c.validity !== null && c.validity[i] === 0 ? null : all.slice(start, end)
        start = end
      }
      return objectVector(c.type, out)
    }
  }
}

/** The batch's columns, those not in `read` (when given) as absent. */
export function encodeBatch(batch: ColumnarBatch<unknown>, read?: ReadonlySet<string> | null): EncodedBatch {
  return {
    fields: batch.schema.fields,
    numRows: batch.numRows,
    columns: batch.columns.map((v, i) =>
      read && !read.has(batch.schema.fields[i].name)
        ? { kind: 'absent', type: v.type, length: batch.numRows }
        : encodeVector(v),
    ),
  }
}

export function decodeBatch(e: EncodedBatch, schema?: Schema<unknown>): ColumnarBatch<unknown> {
  return new ColumnarBatch(schema ?? new Schema(e.fields), e.columns.map(decodeVector), e.numRows)
}

/** The buffers of encoded batches, for postMessage's transfer list (each once). */
export function transferList(batches: Iterable<EncodedBatch>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>()
  const add = (a: { buffer: ArrayBufferLike } | null) => {
    if (a !== null && a.buffer instanceof ArrayBuffer) out.add(a.buffer)
  }
  const addColumn = (c: EncodedColumn): void => {
    if (c.kind === 'number' || c.kind === 'bool') {
      add(c.values)
      add(c.validity)
    } else if (c.kind === 'string') {
      add(c.text)
      add(c.ends)
      add(c.validity)
    } else if (c.kind === 'dict') {
      add(c.codes)
      addColumn(c.dict)
    }
  }
  for (const b of batches) for (const c of b.columns) addColumn(c)
  return [...out]
}
