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
import type { FileFormat, FileRange } from '../file-format.js'
import type { ListedFile } from './listing.js'
import { type ReadFilesContext, readFiles } from './read-files.js'

/** What a worker needs to read one file of a file source's batch. */
export interface FileReadSpec {
  readonly format: string
  readonly file: string
  /** The file's size in bytes when listed. */
  readonly size: number
  /** Whether the format can read this file in splits with these options. */
  readonly splittable: boolean
  /** A split of the file (its records that start in the range); absent: the whole file. */
  readonly range?: FileRange
  readonly fields: readonly StructField[]
  /** The columns the query reads (column pruning); absent: every column. */
  readonly readColumns?: readonly string[]
  readonly options: Readonly<Record<string, string>>
  readonly optionsOwner: string
  readonly partitionRoot: string
  readonly ignoreMissingFiles: boolean
  readonly describe: string
}

/** What a worker needs to read the files as the source would (progress stays with the source). */
export type FilePartitionContext = Omit<ReadFilesContext, 'onFileRead'>

/** Whether a worker can read files of this format: built-in formats only (a worker finds them by name). */
export function readableInWorkers(format: FileFormat): boolean {
  return builtinFileFormats.includes(format)
}

/** One partition per file. */
export function filePartitions(files: readonly ListedFile[], ctx: FilePartitionContext): SourcePartition[] {
  const options = ctx.options.toRecord()
  const splittable = ctx.format.readRange !== undefined && ctx.format.splittable?.(ctx.options) === true
  return files.map((f) => {
    const spec: FileReadSpec = {
      format: ctx.format.name,
      file: f.path,
      size: f.size,
      splittable,
      fields: ctx.schema.fields,
      ...(ctx.readColumns === undefined ? {} : { readColumns: ctx.readColumns }),
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
 * A whole file's partition cut into at most `pieces` splits of about equal bytes, none
 * under `minBytes`, in file order (the format reads the records that start in each); the
 * partition itself when its file cannot be split or is too small to cut.
 */
export function splitFilePartition(
  part: SourcePartition,
  pieces: number,
  minBytes: number,
): SourcePartition[] {
  const spec = part.spec as unknown as FileReadSpec
  const n = Math.min(pieces, Math.floor(spec.size / Math.max(1, minBytes)))
  if (!spec.splittable || spec.range || n < 2) return [part]
  return Array.from({ length: n }, (_, k) => {
    const range: FileRange = {
      start: Math.floor((k * spec.size) / n),
      end: k === n - 1 ? Number.MAX_SAFE_INTEGER : Math.floor(((k + 1) * spec.size) / n),
    }
    const split: FileReadSpec = { ...spec, range }
    const weight = Math.max(1, Math.min(range.end, spec.size) - range.start)
    return { reader: 'files', weight, spec: split as unknown as JsonValue }
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
    parts.map((p) => {
      const spec = p.spec as unknown as FileReadSpec
      return spec.range ? { file: spec.file, range: spec.range } : spec.file
    }),
    {
      format,
      schema: new Schema(first.fields),
      readColumns: first.readColumns,
      options: new Options(first.options, first.optionsOwner),
      partitionRoot: first.partitionRoot,
      ignoreMissingFiles: first.ignoreMissingFiles,
      describe: first.describe,
    },
  )
}
