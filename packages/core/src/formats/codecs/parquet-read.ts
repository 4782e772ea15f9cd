/**
 * Parquet column chunks, as hyparquet decodes them, into engine vectors: typed arrays are
 * copied straight into the Float64Array, arrays with nulls are walked once, BigInts become
 * numbers. Nested values pass through `normalizeNested`, which picks the declared struct
 * fields by name and checks every leaf.
 */
import type { DecodedArray, ParquetParsers } from 'hyparquet'
import { normalizeNested, ValueTypeError } from '../../batch/values.js'
import { boolVector, numberVector, objectVector, storageOf, type Vector } from '../../batch/vector.js'
import type { DataType } from '../../types/data-types.js'
import { TributaryError } from '../../util/errors.js'

const DAY_MS = 86_400_000
const utf8 = new TextDecoder()

function floorDiv(a: bigint, b: bigint): number {
  const q = a / b
  return Number(a % b < 0n ? q - 1n : q)
}

/**
 * Time arrives as epoch milliseconds (numbers), the engine's form, instead of Dates; JSON
 * columns stay text; geometry stays bytes.
 */
export const PARQUET_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => floorDiv(v, 1000n),
  timestampFromNanoseconds: (v: bigint) => floorDiv(v, 1_000_000n),
  dateFromDays: (days: number) => days * DAY_MS,
  jsonFromBytes: (bytes: Uint8Array) => utf8.decode(bytes),
  geometryFromBytes: (bytes: Uint8Array) => bytes,
  geographyFromBytes: (bytes: Uint8Array) => bytes,
}

/** A decoded run of one column, starting at row `offset` of the file. */
export interface ColumnChunk {
  readonly data: DecodedArray
  readonly offset: number
}

function toNumber(x: unknown): number {
  if (typeof x === 'number') return x
  if (typeof x === 'bigint') return Number(x)
  return x instanceof Date ? x.getTime() : Number(x)
}

function numberColumn(type: DataType, chunks: readonly ColumnChunk[], rows: number, scale: number): Vector {
  const values = new Float64Array(rows)
  let validity: Uint8Array | null = null
  for (const { data, offset } of chunks) {
    const n = data.length
    if (
      scale === 1 &&
      (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array)
    ) {
      values.set(data, offset)
      continue
    }
    for (let i = 0; i < n; i++) {
      const x = data[i]
      if (x == null) {
        validity ??= new Uint8Array(rows).fill(1)
        validity[offset + i] = 0
        values[offset + i] = Number.NaN
      } else {
        values[offset + i] = toNumber(x) * scale
      }
    }
  }
  return numberVector(type, values, validity)
}

function boolColumn(type: DataType, chunks: readonly ColumnChunk[], rows: number): Vector {
  const values = new Uint8Array(rows)
  let validity: Uint8Array | null = null
  for (const { data, offset } of chunks) {
    for (let i = 0; i < data.length; i++) {
      const x = data[i]
      if (x == null) {
        validity ??= new Uint8Array(rows).fill(1)
        validity[offset + i] = 0
      } else if (x) values[offset + i] = 1
    }
  }
  return boolVector(type, values, validity)
}

function objectColumn(type: DataType, chunks: readonly ColumnChunk[], rows: number, where: string): Vector {
  const values = new Array<unknown>(rows).fill(null)
  for (const { data, offset } of chunks) {
    for (let i = 0; i < data.length; i++) {
      const x = data[i]
      if (x == null) continue
      if (type.kind === 'string') values[offset + i] = x instanceof Uint8Array ? utf8.decode(x) : x
      else if (type.kind === 'binary') values[offset + i] = x
      else values[offset + i] = normalizeNested(type, x, `${where}, row ${offset + i}`)
    }
  }
  return objectVector(type, values)
}

/**
 * One column of the declared type. `daysToMillis` is for DATE columns that carry only the
 * logical annotation, which hyparquet leaves as day counts.
 */
export function columnVector(
  type: DataType,
  chunks: readonly ColumnChunk[],
  rows: number,
  where: string,
  daysToMillis: boolean,
): Vector {
  try {
    switch (storageOf(type)) {
      case 'number':
        return numberColumn(type, chunks, rows, daysToMillis ? DAY_MS : 1)
      case 'bool':
        return boolColumn(type, chunks, rows)
      default:
        return objectColumn(type, chunks, rows, where)
    }
  } catch (e) {
    if (!(e instanceof ValueTypeError)) throw e
    throw new TributaryError(
      `PARQUET_VALUE_MISMATCH: ${e.message.replace(/ Fix the data.*$/, '')}. Declare the column with the type the file holds (see its inferred schema), or leave it out of the schema.`,
      'PARQUET_VALUE_MISMATCH',
      { cause: e },
    )
  }
}
