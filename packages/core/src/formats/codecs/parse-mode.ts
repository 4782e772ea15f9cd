/**
 * Spark's read modes for malformed records: PERMISSIVE keeps the record (nulls where values
 * could not be read, the raw text in the corrupt-record column when the schema has one),
 * DROPMALFORMED drops and counts it, FAILFAST stops with an error that says where it is.
 */
import type { Schema } from '../../types/schema.js'
import { AnalysisError, MalformedRecordError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

export const PARSE_MODES = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'] as const
export type ParseMode = (typeof PARSE_MODES)[number]

export const DEFAULT_CORRUPT_RECORD_COLUMN = '_corrupt_record'

export interface MalformedPolicy {
  readonly mode: ParseMode
  /** Name of the corrupt-record column (whether or not the schema has it). */
  readonly corruptColumn: string
  /** Its index in the schema, or -1 when the schema has no such column. */
  readonly corruptIndex: number
}

export function readParseMode(options: Options): ParseMode {
  return options.oneOf('mode', PARSE_MODES, 'PERMISSIVE')
}

export function corruptColumnName(options: Options): string {
  return options.getString('columnNameOfCorruptRecord', DEFAULT_CORRUPT_RECORD_COLUMN)
}

/** The policy for reading `schema`; refuses a corrupt-record column that cannot hold text. */
export function malformedPolicy(schema: Schema<unknown>, options: Options): MalformedPolicy {
  const mode = readParseMode(options)
  const corruptColumn = corruptColumnName(options)
  const corruptIndex = schema.indexOf(corruptColumn)
  if (corruptIndex >= 0 && schema.fields[corruptIndex].type.kind !== 'string') {
    throw new AnalysisError(
      `INVALID_CORRUPT_RECORD_COLUMN: the column for corrupt records '${corruptColumn}' must be a string, but the schema declares it as ${schema.fields[corruptIndex].type.kind}. Declare it as 'string', or name another column with option columnNameOfCorruptRecord.`,
      'INVALID_CORRUPT_RECORD_COLUMN',
    )
  }
  return { mode, corruptColumn, corruptIndex }
}

/** Where a record is: the line it starts on (1-based), and more when a line is not enough. */
export interface RecordLocation {
  readonly line: number
  readonly detail?: string
}

/** Long records would make messages unreadable; the start is enough to recognise one. */
const EXCERPT_CHARS = 200

export function excerpt(raw: string): string {
  const oneLine = raw.length > EXCERPT_CHARS ? `${raw.slice(0, EXCERPT_CHARS)}… (${raw.length} chars)` : raw
  return JSON.stringify(oneLine)
}

export function malformedRecordError(
  file: string,
  at: RecordLocation,
  cause: string,
  raw: string,
  policy: MalformedPolicy,
): MalformedRecordError {
  const where = `${file}, line ${at.line}${at.detail ? ` (${at.detail})` : ''}`
  return new MalformedRecordError(
    `MALFORMED_RECORD: malformed record in ${where}: ${cause}. Record: ${excerpt(raw)}. Mode FAILFAST stops at the first malformed record: fix the data, or read with option mode 'PERMISSIVE' (nulls for what cannot be read, the raw record in column '${policy.corruptColumn}' if the schema has it) or 'DROPMALFORMED' (skip such records and count them).`,
    'MALFORMED_RECORD',
  )
}
