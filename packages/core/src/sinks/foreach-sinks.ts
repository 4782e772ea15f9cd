/**
 * foreachBatch and foreach: hand each micro-batch (or each row) to user code. The batch
 * id lets that code be idempotent: a batch replayed after a crash has the same id and the
 * same rows.
 */

import type { DataFrame } from '../api/dataframe.js'
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Sink, SinkProvider } from './sink.js'

/** foreach's per-partition writer, as Spark's ForeachWriter. */
export interface ForeachWriter<R> {
  /** Called before the rows of a partition of a batch; return false to skip them (already written). */
  open?(partitionId: number, epochId: number): boolean | Promise<boolean>
  process(row: R): void | Promise<void>
  /** Called after the rows, with the error if processing failed. */
  close?(error: Error | null): void | Promise<void>
}

export function foreachBatchProvider(
  fn: (batch: DataFrame<unknown>, batchId: number) => Promise<void> | void,
  toDataFrame: (batch: ColumnarBatch<unknown>) => DataFrame<unknown>,
): SinkProvider & { allowsTemporaryCheckpoint: true } {
  return {
    name: 'foreachBatch',
    knownOptions: ['checkpointLocation'],
    allowsTemporaryCheckpoint: true,
    createSink(): Sink {
      return {
        description: 'ForeachBatchSink',
        async addBatch(batchId, data) {
          await fn(toDataFrame(data), batchId)
        },
      }
    },
  }
}

export function foreachProvider<R>(
  writer: ForeachWriter<R>,
): SinkProvider & { allowsTemporaryCheckpoint: true } {
  return {
    name: 'foreach',
    knownOptions: ['checkpointLocation'],
    allowsTemporaryCheckpoint: true,
    createSink(): Sink {
      return {
        description: 'ForeachSink',
        async addBatch(batchId, data) {
          const go = writer.open ? await writer.open(0, batchId) : true
          if (!go) {
            await writer.close?.(null)
            return
          }
          try {
            for (let i = 0; i < data.numRows; i++) await writer.process(data.row(i) as R)
          } catch (e) {
            await writer.close?.(e as Error)
            throw e
          }
          await writer.close?.(null)
        },
      }
    },
  }
}
