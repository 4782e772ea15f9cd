/**
 * The file source's batch as partitions that worker threads read themselves: one partition
 * per file, as plain data (the file, the format's name, the schema's fields and the read
 * options). The coordinating thread lists the files and logs them in the source's log as
 * before; a worker opens, reads and parses them with the same code (read-files.ts). Only
 * the built-in formats can be read in a worker: a format registered in user code lives on
 * the coordinating thread, whose source then reads the batch itself.
 */
import type { JsonValue, SourceBatch, SourcePartition } from '../../sources/source.js'
import type { StructField } from '../../types/data-types.js'
import { Schema } from '../../types/schema.js'
import { Options } from '../../util/options.js'
import { builtinFileFormats } from '../codecs/index.js'
import type { FileFormat } from '../file-format.js'
import type { ListedFile } from './listing.js'
import { readFiles } from './read-files.js'

/** What a worker needs to read one file of a file source's batch. */
export interface FileReadSpec {
  readonly format: string
  readonly file: string
  readonly fields: readonly StructField[]
  readonly options: Readonly<Record<string, string>>
  readonly optionsOwner: string
  readonly partitionRoot: string
  readonly ignoreMissingFiles: boolean
  readonly describe: string
}

export interface FilePartitionContext {
  readonly format: FileFormat
  readonly schema: Schema<unknown>
  readonly options: Options
  readonly partitionRoot: string
  readonly ignoreMissingFiles: boolean
  readonly describe: string
}

/** Whether a worker can read files of this format: built-in formats only (a worker finds them by name). */
export function readableInWorkers(format: FileFormat): boolean {
  return builtinFileFormats.includes(format)
}

/** One partition per file. */
export function filePartitions(files: readonly ListedFile[], ctx: FilePartitionContext): SourcePartition[] {
  const options = ctx.options.toRecord()
  return files.map((f) => {
    const spec: FileReadSpec = {
      format: ctx.format.name,
      file: f.path,
      fields: ctx.schema.fields,
      options,
      optionsOwner: ctx.options.owner,
      partitionRoot: ctx.partitionRoot,
      ignoreMissingFiles: ctx.ignoreMissingFiles,
      describe: ctx.describe,
    }
    return { reader: 'files', weight: Math.max(1, f.size), spec: spec as unknown as JsonValue }
  })
}

/**
 * Reads file partitions of one source into one batch, in the order given (several files
 * are read at once, as the source does).
 */
export async function readFilePartitions(parts: readonly SourcePartition[]): Promise<SourceBatch> {
  if (parts.length === 0) throw new Error('readFilePartitions needs at least one partition')
  const first = parts[0].spec as unknown as FileReadSpec
  const format = builtinFileFormats.find((f) => f.name === first.format)
  if (!format) throw new Error(`no built-in file format '${first.format}' to read ${first.file}`)
  return readFiles(
    parts.map((p) => (p.spec as unknown as FileReadSpec).file),
    {
      format,
      schema: new Schema(first.fields),
      options: new Options(first.options, first.optionsOwner),
      partitionRoot: first.partitionRoot,
      ignoreMissingFiles: first.ignoreMissingFiles,
      describe: first.describe,
    },
  )
}
