/**
 * The source reads and sink writes a worker does itself: source partitions
 * (SourcePartition) read by their reader, and a sink's write task (SinkWriteTask) done by
 * its writer. Both are plain data from the coordinating thread; the code that reads and
 * writes is found here by name, in the worker's own copy of the engine.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { readFilePartitions, splitFilePartition } from '../formats/files/file-partition.js'
import { writeFileTask } from '../formats/files/file-write-task.js'
import type { SinkWriteTask } from '../sinks/sink.js'
import type { DeadLetter, JsonValue, SourceBatch, SourcePartition } from '../sources/source.js'

/**
 * A source's partitions, with whole files cut into splits when there are fewer of them than
 * workers (Spark splits files too): each into ceil(workers / partitions) splits of at least
 * `minSplitBytes`, where the format can read splits.
 */
export function splitForWorkers(
  parts: readonly SourcePartition[],
  workers: number,
  minSplitBytes: number,
): readonly SourcePartition[] {
  if (parts.length === 0 || parts.length >= workers) return parts
  const pieces = Math.ceil(workers / parts.length)
  return parts.flatMap((p) => (p.reader === 'files' ? splitFilePartition(p, pieces, minSplitBytes) : [p]))
}

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
 * Cuts a source's partitions into min(n, partitions) runs of neighbours, none empty, each
 * about an equal share of the weight (bytes): run k goes to worker k, so that the workers'
 * outputs, put together in worker order, keep the source's order of files, as one thread
 * reads them.
 */
export function contiguousRuns<T extends { readonly weight: number }>(parts: readonly T[], n: number): T[][] {
  const k = Math.max(1, Math.min(n, parts.length))
  let remaining = parts.reduce((s, p) => s + p.weight, 0)
  const runs: T[][] = []
  let i = 0
  for (let r = 0; r < k; r++) {
    const left = k - r
    // The last run takes the rest; the others take parts while that brings them nearer their share.
    const last = left === 1 ? parts.length : parts.length - (left - 1)
    const target = remaining / left
    const run: T[] = [parts[i]]
    let weight = parts[i++].weight
    while (i < last && (left === 1 || weight + parts[i].weight / 2 <= target)) {
      weight += parts[i].weight
      run.push(parts[i++])
    }
    remaining -= weight
    runs.push(run)
  }
  return runs
}
