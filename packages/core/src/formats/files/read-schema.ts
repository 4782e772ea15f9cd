/**
 * Column pruning at the file source: the columns a batch builds, given the columns the
 * query reads (plan/column-pruning.ts). Spark's requiredSchema, with one difference: a
 * query that reads the corrupt-record column reads every column, so that the column means
 * the same whatever else the query reads (in Spark it depends on the columns read).
 */
import { Schema } from '../../types/schema.js'
import type { Options } from '../../util/options.js'
import { corruptColumnName } from '../codecs/parse-mode.js'
import type { FileFormat } from '../file-format.js'

/** The schema a file source reads: `schema` narrowed to `required` where the format and options allow. */
export function fileReadSchema(
  format: FileFormat,
  schema: Schema<unknown>,
  options: Options,
  required: ReadonlySet<string> | null,
): Schema<unknown> {
  if (required === null || !format.prunesColumns || !options.getBoolean('columnPruning', true)) return schema
  if (required.has(corruptColumnName(options))) return schema
  const kept = schema.fields.filter((f) => required.has(f.name))
  return kept.length === schema.fields.length ? schema : new Schema(kept)
}

/** The columns to pass to the format's read, or undefined for all. */
export function prunedColumns(
  format: FileFormat,
  schema: Schema<unknown>,
  options: Options,
  required: readonly string[] | undefined,
): readonly string[] | undefined {
  if (required === undefined) return undefined
  const read = fileReadSchema(format, schema, options, new Set(required))
  return read === schema ? undefined : read.names
}
