/**
 * What schema inference shares between JSON and CSV: how two types seen for one column
 * widen into one (Spark's `compatibleType`), what a column that only ever held nulls
 * becomes, and how much of each file is read.
 */
import {
  arrayOf,
  type DataType,
  isNumeric,
  isTemporal,
  StringType,
  type StructField,
  structOf,
  TimestampType,
  typesEqual,
  widerNumeric,
} from '../../types/data-types.js'
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

/** Spark compares field names as Java strings: by UTF-16 code unit, not by locale. */
export function byName(a: StructField, b: StructField): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

function mergeStructFields(a: readonly StructField[], b: readonly StructField[]): StructField[] {
  const merged = new Map<string, DataType>()
  for (const f of a) merged.set(f.name, f.type)
  for (const f of b) {
    const seen = merged.get(f.name)
    merged.set(f.name, seen === undefined ? f.type : widenJsonTypes(seen, f.type))
  }
  return [...merged].map(([name, type]) => ({ name, type, nullable: true })).sort(byName)
}

/** JSON: numbers widen to double, structs merge field by field, arrays by element, the rest to string. */
export function widenJsonTypes(a: DataType, b: DataType): DataType {
  if (a.kind === 'null') return b
  if (b.kind === 'null') return a
  if (a.kind === 'struct' && b.kind === 'struct') return structOf(mergeStructFields(a.fields, b.fields))
  if (a.kind === 'array' && b.kind === 'array') return arrayOf(widenJsonTypes(a.element, b.element))
  if (typesEqual(a, b)) return a
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b)
  if (isTemporal(a) && isTemporal(b)) return TimestampType
  return StringType
}

/** CSV: int < long < double, date < timestamp, anything else mixed is a string. */
export function widenCsvTypes(a: DataType, b: DataType): DataType {
  if (a.kind === 'null') return b
  if (b.kind === 'null') return a
  if (typesEqual(a, b)) return a
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b)
  if (isTemporal(a) && isTemporal(b)) return TimestampType
  return StringType
}

/** A column (or element, or field) that only ever held nulls is read as a string, as in Spark. */
export function nullsAsString(t: DataType): DataType {
  switch (t.kind) {
    case 'null':
      return StringType
    case 'array':
      return arrayOf(nullsAsString(t.element))
    case 'struct':
      return structOf(t.fields.map((f) => ({ ...f, type: nullsAsString(f.type) })))
    default:
      return t
  }
}

/**
 * How much of each file inference reads: the first `inferSchemaMaxRecordsPerFile` records
 * (1000 unless set; -1 reads all), of which a `samplingRatio` share is used.
 */
export interface InferenceBudget {
  readonly maxRecordsPerFile: number
  /** Whether the k-th record (0-based, across files) takes part. */
  readonly sampled: (k: number) => boolean
}

export const DEFAULT_INFERENCE_RECORDS_PER_FILE = 1000

export function inferenceBudget(options: Options): InferenceBudget {
  const max = options.getNumber('inferSchemaMaxRecordsPerFile', DEFAULT_INFERENCE_RECORDS_PER_FILE)
  if (!(Number.isInteger(max) && (max > 0 || max === -1))) {
    throw new OptionError(
      `${options.owner}: option 'inferSchemaMaxRecordsPerFile' must be a positive integer, or -1 to read whole files, got '${options.get('inferSchemaMaxRecordsPerFile')}'.`,
      'INVALID_OPTION',
    )
  }
  const ratio = options.getNumber('samplingRatio', 1)
  if (!(ratio > 0 && ratio <= 1)) {
    throw new OptionError(
      `${options.owner}: option 'samplingRatio' must be in (0, 1], got '${options.get('samplingRatio')}'.`,
      'INVALID_OPTION',
    )
  }
  // An even stride rather than random picks: the same files always give the same schema.
  const stride = 1 / ratio
  const sampled =
    ratio === 1 ? () => true : (k: number) => Math.floor(k / stride) !== Math.floor((k - 1) / stride)
  return { maxRecordsPerFile: max === -1 ? Number.POSITIVE_INFINITY : max, sampled }
}
