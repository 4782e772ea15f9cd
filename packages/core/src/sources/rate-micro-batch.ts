/**
 * The `rate-micro-batch` source (Spark's RatePerMicroBatchProvider): the same rows in every
 * run, whatever the trigger or the speed of the query. Batch b holds values
 * `[b * rowsPerBatch, (b + 1) * rowsPerBatch)`, all timestamped
 * `startTimestamp + b * advanceMillisPerBatch`.
 *
 * The offset is the number of generator batches so far, and every call for the latest
 * offset moves on by exactly one: data is always available, so a query with the default
 * trigger never idles (processAllAvailable would not return); use availableNow, which reads
 * exactly one batch per start, as Spark does.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { numberVector } from '../batch/vector.js'
import { LongType, TimestampType } from '../types/data-types.js'
import type { Schema } from '../types/schema.js'
import { OptionError } from '../util/errors.js'
import type { Options } from '../util/options.js'
import { generatedStreamSchema, RATE_SCHEMA } from './rate.js'
import type { Offset, ReadLimit, Source, SourceBatch, SourceProvider } from './source.js'

export interface RateMicroBatchOptions {
  readonly rowsPerBatch: number
  readonly numPartitions: number | undefined
  readonly startTimestamp: number
  readonly advanceMillisPerBatch: number
}

function nonNegativeInt(options: Options, key: string, fallback: number): number {
  const n = options.getNumber(key, fallback)
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new OptionError(
      `source 'rate-micro-batch': option '${key}' must be a non-negative integer, got '${options.get(key)}'.`,
      'INVALID_OPTION',
    )
  }
  return n
}

function readOptions(options: Options): RateMicroBatchOptions {
  options.require(
    'rowsPerBatch',
    "Set how many rows each micro-batch gets, e.g. .option('rowsPerBatch', 100); for rows per second of wall time use format('rate').",
  )
  return {
    rowsPerBatch: options.getPositiveInt('rowsPerBatch')!,
    numPartitions: options.getPositiveInt('numPartitions'),
    startTimestamp: nonNegativeInt(options, 'startTimestamp', 0),
    advanceMillisPerBatch: nonNegativeInt(options, 'advanceMillisPerBatch', 1000),
  }
}

/** The rows of generator batches `[startBatch, endBatch)`, values ascending. */
export function rateMicroBatchRows(
  options: RateMicroBatchOptions,
  startBatch: number,
  endBatch: number,
): { timestamps: Float64Array; values: Float64Array } {
  const { rowsPerBatch, startTimestamp, advanceMillisPerBatch } = options
  if (endBatch < startBatch) {
    throw new RangeError(
      `rate-micro-batch source: end offset ${endBatch} is before start offset ${startBatch}.`,
    )
  }
  if (endBatch * rowsPerBatch > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `rate-micro-batch source: batch ${endBatch - 1} would have values past 2^53 with rowsPerBatch=${rowsPerBatch}. Lower rowsPerBatch, or start with a new checkpointLocation.`,
    )
  }
  const n = (endBatch - startBatch) * rowsPerBatch
  const timestamps = new Float64Array(n)
  const values = new Float64Array(n)
  for (let b = startBatch, i = 0; b < endBatch; b++) {
    const ts = startTimestamp + b * advanceMillisPerBatch
    const first = b * rowsPerBatch
    for (let k = 0; k < rowsPerBatch; k++, i++) {
      values[i] = first + k
      timestamps[i] = ts
    }
  }
  return { timestamps, values }
}

export class RateMicroBatchSource implements Source {
  readonly schema = RATE_SCHEMA as Schema<unknown>
  readonly replayable = true
  readonly description: string
  private availableNow = false
  private availableNowEnd: number | undefined

  constructor(private readonly options: RateMicroBatchOptions) {
    this.description = `RatePerMicroBatchStream[rowsPerBatch=${options.rowsPerBatch}, numPartitions=${options.numPartitions ?? 'default'}, startTimestamp=${options.startTimestamp}, advanceMsPerBatch=${options.advanceMillisPerBatch}]`
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.availableNow = true
  }

  async latestOffset(start: Offset, _limit: ReadLimit): Promise<Offset> {
    const next = (start as number) + 1
    if (!this.availableNow) return next
    // Spark fixes the end at the first call: one batch per availableNow start.
    this.availableNowEnd ??= next
    return Math.max(start as number, this.availableNowEnd)
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const rows = rateMicroBatchRows(this.options, start as number, end as number)
    const batch = new ColumnarBatch(
      RATE_SCHEMA,
      [numberVector(TimestampType, rows.timestamps), numberVector(LongType, rows.values)],
      rows.values.length,
    )
    return { data: batch as ColumnarBatch<unknown> }
  }

  async commit(): Promise<void> {}
  async stop(): Promise<void> {}
}

export const rateMicroBatchSourceProvider: SourceProvider = {
  name: 'rate-micro-batch',
  knownOptions: ['rowsPerBatch', 'numPartitions', 'startTimestamp', 'advanceMillisPerBatch'],
  schemaOf(ctx) {
    readOptions(ctx.options)
    return generatedStreamSchema(
      'rate-micro-batch',
      ctx,
      'For a bounded range of numbers use session.range(n).',
    )
  },
  createSource(ctx) {
    return new RateMicroBatchSource(readOptions(ctx.options))
  },
}
