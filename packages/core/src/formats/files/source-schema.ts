/**
 * The schema of a file source, decided at `load()`: the user's, or inferred by the format
 * from the files present, followed by the partition columns found in the folder names.
 * A streaming source needs the user's schema (as in Spark): files arriving later may not
 * match what the first files suggested. A format whose schema is fixed (text) needs none.
 */
import type { SchemaContext } from '../../sources/source.js'
import { Schema } from '../../types/schema.js'
import { AnalysisError } from '../../util/errors.js'
import type { FileFormat } from '../file-format.js'
import { requirePath, resolveInputPath } from './input-path.js'
import { listFilesSync } from './listing.js'
import { discoverPartitionColumns, withPartitionFields } from './partitions.js'
import { streamingSchemaInference } from './source-options.js'

export function fileSourceSchema(ctx: SchemaContext, format: FileFormat): Schema<unknown> {
  const input = resolveInputPath(requirePath(ctx.path, 'source', format.name))
  const userSchema = ctx.userSchema ?? format.fixedSchema ?? null
  if (ctx.streaming && !userSchema && !streamingSchemaInference(ctx.options)) {
    throw new AnalysisError(
      `STREAMING_SCHEMA_REQUIRED: Schema must be specified when creating a streaming source DataFrame from files; call .schema(...) on the reader of ${input.display}. To infer it from the files present now instead, set .option('schemaInference', true).`,
      'STREAMING_SCHEMA_REQUIRED',
    )
  }
  const files = listFilesSync(input).map((f) => f.path)
  const partitions = discoverPartitionColumns(input.partitionRoot, files)
  if (userSchema) {
    return new Schema(withPartitionFields(userSchema.fields, partitions, userSchema.fields))
  }
  if (files.length === 0) {
    throw new AnalysisError(
      `UNABLE_TO_INFER_SCHEMA: ${input.display} has no ${format.name} files to infer a schema from. Give the schema with .schema(...), or add files first.`,
      'UNABLE_TO_INFER_SCHEMA',
    )
  }
  const inferred = format.inferSchema(files, ctx.options)
  return new Schema(withPartitionFields(inferred.fields, partitions, null))
}
