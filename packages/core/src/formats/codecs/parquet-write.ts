/**
 * Engine vectors as hyparquet-writer's column data: typed arrays where a column has no
 * nulls (the writer takes them as they are), arrays with nulls otherwise; INT64 values as
 * BigInt, dates as day counts, nested values with their leaves converted the same way.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { CompressionCodec, DecodedArray } from 'hyparquet'
import type { NumberVector, Vector } from '../../batch/vector.js'
import type { DataType } from '../../types/data-types.js'
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import { setEntry } from './map-entries.js'

const DAY_MS = 86_400_000

function nestedMillis(v: unknown): number {
  return v instanceof Date ? v.getTime() : (v as number)
}

/** A nested value in the form the writer encodes: BigInt for INT64 leaves, days for dates. */
function nestedForWriter(type: DataType, v: unknown): unknown {
  if (v == null) return null
  switch (type.kind) {
    case 'long':
    case 'timestamp':
      return BigInt(Math.trunc(nestedMillis(v)))
    case 'date':
      return Math.floor(nestedMillis(v) / DAY_MS)
    case 'array':
      return (v as unknown[]).map((x) => nestedForWriter(type.element, x))
    case 'struct': {
      const src = v as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of type.fields) setEntry(out, f.name, nestedForWriter(f.type, src[f.name]))
      return out
    }
    case 'map': {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        setEntry(out, k, nestedForWriter(type.value, x))
      return out
    }
    default:
      return v
  }
}

function numbersWithNulls(v: NumberVector, convert: (x: number) => unknown): unknown[] {
  const out = new Array<unknown>(v.length)
  for (let i = 0; i < v.length; i++)
    out[i] = v.validity !== null && v.validity[i] === 0 ? null : convert(v.values[i])
  return out
}

export function columnData(v: Vector): DecodedArray {
  const type = v.type
  if (v.kind === 'number') {
    const noNulls = v.validity === null
    switch (type.kind) {
      case 'double':
        return noNulls ? v.values : numbersWithNulls(v, (x) => x)
      case 'float':
        return noNulls ? Float32Array.from(v.values) : numbersWithNulls(v, (x) => x)
      case 'int':
        return noNulls ? Int32Array.from(v.values) : numbersWithNulls(v, (x) => x)
      case 'date':
        return numbersWithNulls(v, (x) => Math.floor(x / DAY_MS))
      default: {
        // long and timestamp: INT64, which the writer takes only as BigInt.
        if (noNulls) {
          const out = new BigInt64Array(v.length)
          for (let i = 0; i < v.length; i++) out[i] = BigInt(Math.trunc(v.values[i]))
          return out
        }
        return numbersWithNulls(v, (x) => BigInt(Math.trunc(x)))
      }
    }
  }
  if (v.kind === 'bool') {
    const out = new Array<boolean | null>(v.length)
    for (let i = 0; i < v.length; i++)
      out[i] = v.validity !== null && v.validity[i] === 0 ? null : v.values[i] === 1
    return out
  }
  if (type.kind === 'array' || type.kind === 'struct' || type.kind === 'map') {
    return v.values.map((x) => nestedForWriter(type, x))
  }
  return v.values as unknown[]
}

type Compressor = (input: Uint8Array) => Uint8Array

export interface ParquetCompression {
  readonly codec: CompressionCodec
  readonly compressors: Partial<Record<CompressionCodec, Compressor>> | undefined
}

/** Spark's names for the `compression` option; snappy unless set. */
export function parquetCompression(options: Options): ParquetCompression {
  const name = options.getString('compression', 'snappy').toLowerCase()
  switch (name) {
    case 'snappy':
      return { codec: 'SNAPPY', compressors: undefined }
    case 'none':
    case 'uncompressed':
      return { codec: 'UNCOMPRESSED', compressors: undefined }
    case 'gzip':
      return { codec: 'GZIP', compressors: { GZIP: (input: Uint8Array) => gzipSync(input) } }
    case 'brotli':
      return { codec: 'BROTLI', compressors: { BROTLI: (input: Uint8Array) => brotliCompressSync(input) } }
    default:
      throw new OptionError(
        `${options.owner}: option 'compression' is '${name}', which cannot be written here. Use 'snappy' (the default), 'gzip', 'brotli' or 'uncompressed'; zstd and lz4 need native code that Node 20 does not have.`,
        'INVALID_OPTION',
      )
  }
}
