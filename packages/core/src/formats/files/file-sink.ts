/**
 * The file sink (Spark's FileStreamSink). A batch's files are written first, then listed
 * in the sink log: that entry is the commit, and a replayed batch id already in the log
 * writes nothing. Files of a batch that crashed before its commit stay out of the log, so
 * readers going through the log never see them.
 */

import { rm } from 'node:fs/promises'
import * as path from 'node:path'
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { exists } from '../../checkpoint/atomic-file.js'
import type { Sink, SinkContext, SinkWriteTask } from '../../sinks/sink.js'
import type { JsonValue } from '../../sources/source.js'
import { typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import type { FileFormat } from '../file-format.js'
import { readableInWorkers } from './file-partition.js'
import { fileWriteTask, writtenFiles } from './file-write-task.js'
import { requirePath } from './input-path.js'
import { writePartitionedFiles } from './partitioned-writer.js'
import { isPartitionableType } from './partitions.js'
import { DEFAULT_SINK_LOG_SETTINGS, FileSinkLog, type SinkFileStatus } from './sink-log.js'

export const FILE_SINK_OPTIONS = [
  'path',
  'checkpointLocation',
  'logCompactInterval',
  'logCleanupDelay',
] as const

export class FileStreamSink implements Sink {
  readonly description: string
  private readonly log: FileSinkLog
  private filesWritten = 0

  private constructor(
    private readonly ctx: SinkContext,
    private readonly format: FileFormat,
    private readonly outputDir: string,
  ) {
    this.description = `FileSink[${ctx.path}]`
    this.log = new FileSinkLog(outputDir, {
      compactInterval:
        ctx.options.getPositiveInt('logCompactInterval', DEFAULT_SINK_LOG_SETTINGS.compactInterval) ??
        DEFAULT_SINK_LOG_SETTINGS.compactInterval,
      cleanupDelayMs:
        ctx.options.getDurationMs('logCleanupDelay', DEFAULT_SINK_LOG_SETTINGS.cleanupDelayMs) ??
        DEFAULT_SINK_LOG_SETTINGS.cleanupDelayMs,
    })
  }

  static async open(ctx: SinkContext, format: FileFormat): Promise<FileStreamSink> {
    const outputDir = path.resolve(requirePath(ctx.path, 'sink', format.name))
    ctx.options.checkKnown([...FILE_SINK_OPTIONS, ...format.writeOptions])
    if (!ctx.bounded && ctx.outputMode !== 'append') {
      throw new AnalysisError(
        `UNSUPPORTED_OUTPUT_MODE: the ${format.name} file sink supports only output mode 'append' (files are never rewritten), not '${ctx.outputMode}'. Use outputMode('append') with a watermark on aggregations, or write each batch yourself with foreachBatch.`,
        'UNSUPPORTED_OUTPUT_MODE',
      )
    }
    checkPartitionBy(ctx, format)
    const sink = new FileStreamSink(ctx, format, outputDir)
    // From now on readers of the folder see only committed files: none until batch 0 commits.
    if (!ctx.bounded) await sink.log.ensureExists()
    return sink
  }

  async addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    const { bounded } = this.ctx
    if (!bounded && (await this.log.isCommitted(batchId))) return
    // A plain batch output (no log) stays plain, as Spark writes it; an append to a
    // streaming output is logged, or readers of that output would never see it.
    const logged = !bounded || (await exists(this.log.dir))
    const files = await writePartitionedFiles(data, {
      outputDir: this.outputDir,
      format: this.format,
      options: this.ctx.options,
      partitionBy: this.ctx.partitionBy,
      batchId,
    })
    if (logged) await this.commitFiles(batchId, files, bounded)
    else this.filesWritten += files.length
  }

  /**
   * A streaming batch of a built-in format can be written by worker threads, each its own
   * part files (file-write-task.ts); a batch already in the log is not written again.
   */
  async planWrite(batchId: number): Promise<SinkWriteTask | null> {
    if (this.ctx.bounded || !readableInWorkers(this.format)) return null
    if (await this.log.isCommitted(batchId)) return null
    return fileWriteTask(this.format, {
      outputDir: this.outputDir,
      options: this.ctx.options.toRecord(),
      optionsOwner: this.ctx.options.owner,
      partitionBy: this.ctx.partitionBy,
      batchId,
    })
  }

  /** The workers' files of batch `batchId` become its log entry: the batch's commit. */
  async commitWritten(batchId: number, written: readonly JsonValue[]): Promise<void> {
    await this.commitFiles(batchId, writtenFiles(written), false)
  }

  private async commitFiles(batchId: number, files: SinkFileStatus[], bounded: boolean): Promise<void> {
    if (!(await this.log.commit(batchId, files, bounded))) {
      // Another writer committed this batch between our look and our commit: its files
      // count, ours never will (no log entry lists them), so they go.
      await Promise.all(files.map((f) => rm(path.join(this.outputDir, f.path), { force: true })))
      return
    }
    this.filesWritten += files.length
  }

  metrics(): Record<string, number | string> {
    return { filesWritten: this.filesWritten }
  }
}

function checkPartitionBy(ctx: SinkContext, format: FileFormat): void {
  if (ctx.partitionBy.length === 0) return
  for (const name of ctx.partitionBy) {
    const field = ctx.schema.field(name)
    if (!isPartitionableType(field.type)) {
      throw new AnalysisError(
        `INVALID_PARTITION_COLUMN: cannot partition by '${name}' of type ${typeToString(field.type)}: a folder name holds strings, numbers, booleans, dates and timestamps only. Partition by a column of those types, or derive one (e.g. with a select).`,
        'INVALID_PARTITION_COLUMN',
      )
    }
  }
  if (ctx.partitionBy.length >= ctx.schema.length) {
    throw new AnalysisError(
      `INVALID_PARTITION_COLUMN: partitionBy(${ctx.partitionBy.map((c) => `'${c}'`).join(', ')}) uses every column, so the ${format.name} files would have none left. Keep at least one column out of partitionBy.`,
      'INVALID_PARTITION_COLUMN',
    )
  }
}
