/**
 * The file sink's batch written by worker threads: each worker writes its own rows as its
 * own part files (one per partition folder), named by batch like the sink's own files, and
 * returns their statuses; the coordinating thread lists every worker's files in one sink
 * log entry, which is the batch's commit. Files written by a batch that crashed before that
 * entry are in no entry, so readers that go through the log never see them, and the replay
 * writes new ones, as with files the sink writes itself (file-sink.ts).
 */
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import type { SinkWriteTask } from '../../sinks/sink.js'
import type { JsonValue } from '../../sources/source.js'
import { Options } from '../../util/options.js'
import { builtinFileFormats } from '../codecs/index.js'
import type { FileFormat } from '../file-format.js'
import { writePartitionedFiles } from './partitioned-writer.js'
import type { SinkFileStatus } from './sink-log.js'

export interface FileWriteSpec {
  readonly format: string
  readonly outputDir: string
  readonly options: Readonly<Record<string, string>>
  readonly optionsOwner: string
  readonly partitionBy: readonly string[]
  readonly batchId: number
}

export function fileWriteTask(format: FileFormat, spec: Omit<FileWriteSpec, 'format'>): SinkWriteTask {
  const full: FileWriteSpec = { ...spec, format: format.name }
  return { writer: 'files', spec: full as unknown as JsonValue }
}

/** Writes this worker's rows of the batch; returns the files written (none for no rows). */
export async function writeFileTask(task: SinkWriteTask, rows: ColumnarBatch<unknown>): Promise<JsonValue> {
  const spec = task.spec as unknown as FileWriteSpec
  const format = builtinFileFormats.find((f) => f.name === spec.format)
  if (!format) throw new Error(`no built-in file format '${spec.format}' to write ${spec.outputDir}`)
  const files = await writePartitionedFiles(rows, {
    outputDir: spec.outputDir,
    format,
    options: new Options(spec.options, spec.optionsOwner),
    partitionBy: spec.partitionBy,
    batchId: spec.batchId,
  })
  return files as unknown as JsonValue
}

/** The files of the workers' results, in task order. */
export function writtenFiles(written: readonly JsonValue[]): SinkFileStatus[] {
  return written.flatMap((w) => w as unknown as SinkFileStatus[])
}
