/**
 * CSV fields against a declared type, both ways, as Spark's UnivocityParser and
 * UnivocityGenerator do: strict integers, doubles with Spark's NaN and infinity spellings,
 * case-insensitive booleans, ISO or patterned time. CSV has no nested or binary values.
 */
import { type DataType, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import { doubleToText, floatToText } from './number-text.js'
import { BadValue, inexactLong } from './row-assembler.js'
import {
  dateParser,
  type MillisToText,
  type TemporalOptions,
  type TextToMillis,
  timestampParser,
} from './temporal.js'

export interface CsvNumberSpellings {
  readonly nanValue: string
  readonly positiveInf: string
  readonly negativeInf: string
}

export function numberSpellings(options: Options): CsvNumberSpellings {
  return {
    nanValue: options.getString('nanValue', 'NaN'),
    positiveInf: options.getString('positiveInf', 'Inf'),
    negativeInf: options.getString('negativeInf', '-Inf'),
  }
}

export interface CsvReadContext extends CsvNumberSpellings {
  readonly parseTimestamp: TextToMillis
  readonly parseDate: TextToMillis
}

export function csvReadContext(options: Options, temporal: TemporalOptions): CsvReadContext {
  return {
    ...numberSpellings(options),
    parseTimestamp: timestampParser(temporal),
    parseDate: dateParser(temporal),
  }
}

/** Spark refuses these in CSV, on read and on write; so do we, before touching a file. */
export function checkCsvTypes(fields: readonly { name: string; type: DataType }[]): void {
  for (const f of fields) {
    const k = f.type.kind
    if (k === 'array' || k === 'struct' || k === 'map' || k === 'binary') {
      throw new AnalysisError(
        `UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE: the CSV data source does not support column '${f.name}' of type ${typeToString(f.type)}. Convert it to a string first (for example with to_json), or use the json or parquet format.`,
        'UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE',
      )
    }
  }
}

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const INT_MIN = -2147483648
const INT_MAX = 2147483647

/** Java's Double.parseDouble spellings on top of the configured ones. */
function specialDouble(text: string, s: CsvNumberSpellings): number | undefined {
  if (text === s.nanValue || text === 'NaN') return Number.NaN
  if (text === s.positiveInf || text === 'Infinity' || text === '+Infinity') return Number.POSITIVE_INFINITY
  if (text === s.negativeInf || text === '-Infinity') return Number.NEGATIVE_INFINITY
  return undefined
}

function bad(type: DataType, text: string): BadValue {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text
  return new BadValue(`expected ${typeToString(type)} but found ${JSON.stringify(shown)}`)
}

/** Converts one field's text (not the null value) to the engine's value; throws BadValue. */
export type CsvToValue = (text: string) => unknown

export function csvReader(type: DataType, ctx: CsvReadContext): CsvToValue {
  switch (type.kind) {
    case 'string':
      return (text) => text
    case 'int':
      return (text) => {
        const n = INTEGER.test(text) ? Number(text) : Number.NaN
        if (n >= INT_MIN && n <= INT_MAX) return n
        throw bad(type, text)
      }
    case 'long':
      return (text) => {
        if (!INTEGER.test(text)) throw bad(type, text)
        const n = Number(text)
        if (Number.isSafeInteger(n)) return n
        throw inexactLong(JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text))
      }
    case 'float':
    case 'double':
      return (text) => {
        // Java's parseDouble ignores surrounding whitespace; so does Spark.
        const t = text.trim()
        if (DECIMAL.test(t)) return Number(t)
        const special = specialDouble(t, ctx)
        if (special !== undefined) return special
        throw bad(type, text)
      }
    case 'boolean':
      return (text) => {
        const t = text.toLowerCase()
        if (t === 'true') return true
        if (t === 'false') return false
        throw bad(type, text)
      }
    case 'timestamp':
      return (text) => {
        const ms = ctx.parseTimestamp(text)
        if (ms === null) throw bad(type, text)
        return ms
      }
    case 'date':
      return (text) => {
        const ms = ctx.parseDate(text)
        if (ms === null) throw bad(type, text)
        return ms
      }
    case 'null':
      return () => null
    default:
      throw new Error(`unreachable: checkCsvTypes refuses ${type.kind}`)
  }
}

export interface CsvWriteContext {
  readonly formatTimestamp: MillisToText
  readonly formatDate: MillisToText
}

/** Text of one non-null engine value. */
export type ValueToCsv = (v: unknown) => string

export function csvWriter(type: DataType, ctx: CsvWriteContext): ValueToCsv {
  switch (type.kind) {
    case 'double':
      return (v) => doubleToText(v as number)
    case 'float':
      return (v) => floatToText(v as number)
    case 'timestamp':
      return (v) => ctx.formatTimestamp(v as number)
    case 'date':
      return (v) => ctx.formatDate(v as number)
    case 'boolean':
      return (v) => (v ? 'true' : 'false')
    default:
      return (v) => String(v)
  }
}
