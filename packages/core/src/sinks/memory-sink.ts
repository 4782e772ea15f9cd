/**
 * The memory sink: results kept in the session as a table named by queryName, read back
 * with `session.table(name)`. As in Spark, a batch id at or below the newest one written
 * is already in the table: a replay of it is ignored, so the table holds each batch once.
 * Complete mode keeps only the newest batch.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import { OptionError } from '../util/errors.js'
import type { OutputMode, Sink, SinkProvider } from './sink.js'

export class MemoryTable {
  private readonly batches = new Map<number, ColumnarBatch<unknown>>()
  constructor(
    readonly name: string,
    public schema: Schema<unknown>,
  ) {}

  /** The newest batch id written, or -1, and the query (checkpoint) that wrote it. */
  private latestBatchId = -1
  private writer: string | undefined

  /** Writes a batch; false (and nothing written) for a batch id this query already wrote. */
  write(batchId: number, data: ColumnarBatch<unknown>, mode: OutputMode, queryId?: string): boolean {
    // Another query (another checkpoint) under the same name numbers its batches afresh.
    if (queryId !== this.writer) {
      this.writer = queryId
      this.latestBatchId = -1
    }
    if (batchId <= this.latestBatchId) return false
    if (mode === 'complete') this.batches.clear()
    this.batches.set(batchId, data)
    this.latestBatchId = batchId
    return true
  }

  /** All rows, batches in id order. */
  snapshot(): ColumnarBatch<unknown> {
    const ids = [...this.batches.keys()].sort((a, b) => a - b)
    return ColumnarBatch.concat(
      this.schema,
      ids.map((id) => this.batches.get(id)!),
    )
  }

  get batchIds(): number[] {
    return [...this.batches.keys()].sort((a, b) => a - b)
  }
}

export const memorySinkProvider: SinkProvider & { allowsTemporaryCheckpoint: true } = {
  name: 'memory',
  knownOptions: ['checkpointLocation'],
  allowsTemporaryCheckpoint: true,
  createSink(ctx): Sink {
    if (!ctx.queryName) {
      throw new OptionError(
        "memory sink: a query name is required: .queryName('name'); the results are then in session.table('name').",
        'MISSING_OPTION',
      )
    }
    const table = ctx.session.memoryTable(ctx.queryName, ctx.schema)
    let rows = 0
    return {
      description: `MemorySink[${ctx.queryName}]`,
      async addBatch(batchId, data) {
        if (table.write(batchId, data, ctx.outputMode, ctx.queryId)) rows += data.numRows
      },
      metrics: () => ({ totalRows: rows }),
    }
  },
}
