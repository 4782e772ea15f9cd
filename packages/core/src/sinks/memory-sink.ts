/**
 * The memory sink: results kept in the session as a table named by queryName, read back
 * with `session.table(name)`. A replayed batch id replaces that batch's rows, so the
 * table holds each batch once; complete mode keeps only the newest batch.
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

  write(batchId: number, data: ColumnarBatch<unknown>, mode: OutputMode): void {
    if (mode === 'complete') this.batches.clear()
    this.batches.set(batchId, data)
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
        table.write(batchId, data, ctx.outputMode)
        rows += data.numRows
      },
      metrics: () => ({ totalRows: rows }),
    }
  },
}
