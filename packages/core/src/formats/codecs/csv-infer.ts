/**
 * Spark's CSV schema inference: column names from the header (or `_c0`, `_c1`, ...), and
 * with `inferSchema` for each column the narrowest of int, long, double, date, timestamp,
 * boolean that reads every value, else string. Without `inferSchema` every column is a string.
 */

import { readFileSync } from 'node:fs'
import {
  BooleanType,
  type DataType,
  DateType,
  DoubleType,
  IntType,
  LongType,
  NullType,
  StringType,
  TimestampType,
} from '../../types/data-types.js'
import { Schema } from '../../types/schema.js'
import type { Options } from '../../util/options.js'
import { csvRecords } from './csv-records.js'
import { csvSyntax } from './csv-tokenize.js'
import { type CsvReadContext, csvReadContext } from './csv-values.js'
import { inferenceBudget, nullsAsString, widenCsvTypes } from './infer.js'
import { readHeadBytes } from './lines.js'
import { corruptColumnName, type MalformedPolicy, malformedRecordError, readParseMode } from './parse-mode.js'
import { temporalOptions } from './temporal.js'
import { lineSepOption, requireUtf8 } from './text-options.js'

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
/** Without a pattern only text with a time of day infers as a timestamp ("2024" is a year, not a time). */
const ISO_DATE_TIME = /^\d{4}-\d{1,2}-\d{1,2}[T ]\d/
const BOOLEAN = /^(?:true|false)$/i

export interface CsvInferContext extends CsvReadContext {
  readonly patternedTimestamps: boolean
  readonly patternedDates: boolean
}

function inferCsvField(text: string, ctx: CsvInferContext): DataType {
  if (INTEGER.test(text)) {
    const n = Number(text)
    if (n >= -2147483648 && n <= 2147483647) return IntType
    return Math.abs(n) < 2 ** 63 ? LongType : DoubleType
  }
  const trimmed = text.trim()
  if (DECIMAL.test(trimmed)) return DoubleType
  if (trimmed === ctx.nanValue || trimmed === ctx.positiveInf || trimmed === ctx.negativeInf)
    return DoubleType
  if ((ctx.patternedDates || ISO_DATE.test(text)) && ctx.parseDate(text) !== null) return DateType
  if ((ctx.patternedTimestamps || ISO_DATE_TIME.test(text)) && ctx.parseTimestamp(text) !== null)
    return TimestampType
  if (BOOLEAN.test(text)) return BooleanType
  return StringType
}

/**
 * Spark's `makeSafeHeader`: an empty name becomes `_c<i>`, and names that repeat
 * (ignoring case) get their position appended, so every column can be selected.
 */
function headerNames(header: readonly string[], nullValue: string): string[] {
  const named = header.map((h, i) => (h === '' || h === nullValue ? `_c${i}` : h))
  const counts = new Map<string, number>()
  for (const n of named) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1)
  return named.map((n, i) => ((counts.get(n.toLowerCase()) ?? 0) > 1 ? `${n}${i}` : n))
}

export function inferCsvSchema(files: readonly string[], options: Options): Schema<unknown> {
  requireUtf8(options)
  const syntax = csvSyntax(options, false)
  const header = options.getBoolean('header', false)
  const inferTypes = options.getBoolean('inferSchema', false)
  const budget = inferenceBudget(options)
  const nullValue = options.getString('nullValue', '')
  const mode = readParseMode(options)
  const policy: MalformedPolicy = { mode, corruptColumn: corruptColumnName(options), corruptIndex: -1 }
  const temporal = temporalOptions(options)
  const ctx = {
    ...csvReadContext(options, temporal),
    patternedTimestamps: temporal.timestampFormat !== undefined,
    patternedDates: temporal.dateFormat !== undefined,
  }
  const multiLine = options.getBoolean('multiLine', false)
  let names: string[] | undefined
  let types: DataType[] = []
  let k = 0
  for (const file of files) {
    // One more line than the budget: the header.
    const perFile = budget.maxRecordsPerFile + (header ? 1 : 0)
    const bytes =
      multiLine || !Number.isFinite(perFile)
        ? readFileSync(file)
        : readHeadBytes(file, perFile, lineSepOption(options))
    const records = csvRecords(bytes, file, syntax, options)
    let seen = 0
    for (let r = 0; r < records.raw.length && seen < budget.maxRecordsPerFile; r++) {
      const fields = records.tokens[r]
      // Each file's first record is its header, as when reading, even one that does not split.
      if (r === 0 && header) {
        if (Array.isArray(fields)) names ??= headerNames(fields, nullValue)
        continue
      }
      if (!Array.isArray(fields)) {
        if (mode === 'FAILFAST')
          throw malformedRecordError(file, { line: records.line[r] }, fields.error, records.raw[r], policy)
        continue
      }
      names ??= fields.map((_, i) => `_c${i}`)
      if (!inferTypes) break
      seen++
      if (!budget.sampled(k++)) continue
      if (types.length === 0) types = names.map(() => NullType)
      const n = Math.min(fields.length, names.length)
      for (let c = 0; c < n; c++) {
        if (fields[c] !== nullValue) types[c] = widenCsvTypes(types[c], inferCsvField(fields[c], ctx))
      }
    }
    // Without type inference only the names are needed, and the first file gives them.
    if (names !== undefined && !inferTypes) break
  }
  return new Schema(
    (names ?? []).map((name, c) => ({
      name,
      type: inferTypes ? nullsAsString(types[c] ?? NullType) : StringType,
      nullable: true,
    })),
  )
}
