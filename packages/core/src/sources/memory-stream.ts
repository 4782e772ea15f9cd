/**
 * MemoryStream: a stream you add rows to from code, for tests and demos. Each addData is
 * one offset; the data stays in memory, so a restarted query in the same process replays
 * exactly (replayable), but nothing survives the process.
 */

import { DataFrame } from '../api/dataframe.js'
import type { Session } from '../api/session.js'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import { Options } from '../util/options.js'
import { AvailableNowRange } from './available-now.js'
import type { Offset, Source, SourceProvider } from './source.js'

let counter = 0

export class MemoryStream<R> {
  private readonly batches: ColumnarBatch<R>[] = []
  readonly name: string
  readonly provider: SourceProvider

  constructor(
    private readonly session: Session,
    readonly schema: Schema<R>,
    name?: string,
  ) {
    this.name = name ?? `MemoryStream[${counter++}]`
    this.provider = {
      name: 'memory',
      schemaOf: () => schema as Schema<unknown>,
      createSource: (): Source => {
        let availableNow: AvailableNowRange | null = null
        return {
          schema: schema as Schema<unknown>,
          description: this.name,
          replayable: true,
          initialOffset: async () => -1,
          // availableNow stops at the data added before the query started; later data waits.
          prepareForTriggerAvailableNow: async () => {
            availableNow = new AvailableNowRange(this.batches.length - 1, 'offsets')
          },
          latestOffset: async (start: Offset) => {
            availableNow?.from(start as number)
            return availableNow ? Math.max(start as number, availableNow.end) : this.batches.length - 1
          },
          getBatch: async (start: Offset, end: Offset) => {
            availableNow?.readTo(end as number)
            return {
              data: ColumnarBatch.concat(
                schema as Schema<unknown>,
                this.batches.slice((start as number) + 1, (end as number) + 1) as ColumnarBatch<unknown>[],
              ),
            }
          },
          commit: async () => {},
          stop: async () => {},
          metrics: () => availableNow?.metrics() ?? {},
        }
      },
    }
  }

  /** Appends rows (checked against the schema) as one offset; returns that offset. */
  addData(rows: readonly R[]): number {
    this.batches.push(ColumnarBatch.fromRows(this.schema, rows))
    return this.batches.length - 1
  }

  /** The offset of the newest data, -1 before any. */
  get latestOffset(): number {
    return this.batches.length - 1
  }

  /** A streaming DataFrame over this stream. */
  toDF(): DataFrame<R> {
    return new DataFrame<R>(this.session, {
      kind: 'source',
      spec: { provider: this.provider, options: new Options({}, this.name), path: undefined },
      schema: this.schema as Schema<unknown>,
      streaming: true,
    })
  }
}
