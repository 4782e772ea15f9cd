/**
 * The source reads and sink writes a worker does itself: source partitions
 * (SourcePartition) read by their reader, and a sink's write task (SinkWriteTask) done by
 * its writer. Both are plain data from the coordinating thread; the code that reads and
 * writes is found here by name, in the worker's own copy of the engine.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { readFilePartitions } from '../formats/files/file-partition.js'
import { writeFileTask } from '../formats/files/file-write-task.js'
import type { SinkWriteTask } from '../sinks/sink.js'
import type { DeadLetter, JsonValue, SourceBatch, SourcePartition } from '../sources/source.js'

/** What reading a source's partitions gave, besides the rows (for progress and dead letters). */
export interface SourceReadSummary {
  readonly rows: number
  readonly droppedMalformed: number
  readonly deadLetters: readonly DeadLetter[]
}

/** Reads one source's partitions, in order, as one batch. */
export function readSourcePartitions(parts: readonly SourcePartition[]): Promise<SourceBatch> {
  switch (parts[0]?.reader) {
    case 'files':
      return readFilePartitions(parts)
    default:
      throw new Error(`no reader for source partitions of kind '${String(parts[0]?.reader)}'`)
  }
}

export function readSummary(b: SourceBatch): SourceReadSummary {
  return { rows: b.data.numRows, droppedMalformed: b.droppedMalformed ?? 0, deadLetters: b.deadLetters ?? [] }
}

/** Adds up the summaries of one source's partitions read by several workers, in task order. */
export function combineSummaries(parts: readonly SourceReadSummary[]): SourceReadSummary {
  return {
    rows: parts.reduce((s, p) => s + p.rows, 0),
    droppedMalformed: parts.reduce((s, p) => s + p.droppedMalformed, 0),
    deadLetters: parts.flatMap((p) => p.deadLetters),
  }
}

/** Writes a worker's rows of the batch through the sink's write task; returns what the sink commits. */
export function runWriteTask(task: SinkWriteTask, rows: ColumnarBatch<unknown>): Promise<JsonValue> {
  switch (task.writer) {
    case 'files':
      return writeFileTask(task, rows)
    default:
      throw new Error(`no writer for sink tasks of kind '${String(task.writer)}'`)
  }
}

/**
 * Cuts a source's partitions into at most `n` runs of neighbours with about equal weight
 * (bytes): run k goes to worker k, so that the workers' outputs, put together in worker
 * order, keep the source's order of files, as one thread reads them.
 */
export function contiguousRuns<T extends { readonly weight: number }>(parts: readonly T[], n: number): T[][] {
  const k = Math.max(1, Math.min(n, parts.length))
  const total = parts.reduce((s, p) => s + p.weight, 0)
  const runs: T[][] = Array.from({ length: k }, () => [])
  let acc = 0
  let prev = 0
  for (let i = 0; i < parts.length; i++) {
    // The run whose share of the total the middle of this part falls in; never past the
    // parts left (each later run needs one).
    const mid = acc + parts[i].weight / 2
    let r = Math.min(k - 1, Math.floor((mid / total) * k))
    r = Math.max(r, k - (parts.length - i), prev)
    prev = r
    runs[r].push(parts[i])
    acc += parts[i].weight
  }
  return runs.filter((r) => r.length > 0)
}
