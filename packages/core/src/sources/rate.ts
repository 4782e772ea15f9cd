/**
 * The `rate` source (Spark's RateStreamProvider): `value` counts 0, 1, 2, ... at
 * `rowsPerSecond`, ramping up linearly over `rampUpTime`, with `timestamp` spread evenly
 * over the second each value belongs to.
 *
 * Offsets are whole seconds since the source first started. That start time is written
 * once to the source's checkpoint folder, so the rows of an offset range are a pure
 * function of (start time, options, range): a restarted query replays a batch with the
 * same values and timestamps. Changing rowsPerSecond or rampUpTime between restarts changes
 * that function, as in Spark.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { numberVector } from '../batch/vector.js'
import { atomicWrite } from '../checkpoint/atomic-file.js'
import { LongType, TimestampType } from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import { AnalysisError, CheckpointError, OptionError } from '../util/errors.js'
import type { Options } from '../util/options.js'
import { AvailableNowRange } from './available-now.js'
import type { Offset, ReadLimit, SchemaContext, Source, SourceContext, SourceProvider } from './source.js'

/** Rows of the `rate` and `rate-micro-batch` sources: `{ timestamp: Date; value: number }`. */
export const RATE_SCHEMA = new Schema<{ timestamp: Date; value: number }>([
  { name: 'timestamp', type: TimestampType, nullable: true },
  { name: 'value', type: LongType, nullable: true },
])

/** The file in the source's checkpoint folder that holds the start time. */
export const RATE_START_FILE = 'rate-start.json'

/**
 * The number of values emitted by the end of second `seconds` (so values
 * `[valueAtSecond(s), valueAtSecond(s + 1))` belong to second s + 1), exactly as Spark's
 * `RateStreamProvider.valueAtSecond`, including its integer division: during ramp-up the
 * speed grows by `floor(rowsPerSecond / (rampUpTimeSeconds + 1))` rows per second.
 */
export function valueAtSecond(seconds: number, rowsPerSecond: number, rampUpTimeSeconds: number): number {
  const speedDeltaPerSecond = Math.floor(rowsPerSecond / (rampUpTimeSeconds + 1))
  if (seconds <= rampUpTimeSeconds) {
    // Halve the even factor first, as Spark does, so that the product stays exact.
    return seconds % 2 === 1
      ? ((seconds + 1) / 2) * speedDeltaPerSecond * seconds
      : (seconds / 2) * speedDeltaPerSecond * (seconds + 1)
  }
  const rampUpPart = valueAtSecond(rampUpTimeSeconds, rowsPerSecond, rampUpTimeSeconds)
  return rampUpPart + (seconds - rampUpTimeSeconds) * rowsPerSecond
}

/** The largest second whose values are still exact integers in a float64. */
export function maxRateSeconds(rowsPerSecond: number): number {
  return Math.floor(Number.MAX_SAFE_INTEGER / rowsPerSecond)
}

export interface RateRows {
  /** Epoch milliseconds, one per value. */
  readonly timestamps: Float64Array
  readonly values: Float64Array
}

/**
 * The rows for offsets `(startSeconds, endSeconds]`: values in ascending order, each timestamped
 * `startTimeMs + startSeconds * 1000 + round((value - first) * msPerValue)`, where the range's
 * milliseconds are shared evenly by its values (Spark's RateStreamMicroBatchStream formula).
 */
export function rateRows(
  startTimeMs: number,
  startSeconds: number,
  endSeconds: number,
  rowsPerSecond: number,
  rampUpTimeSeconds: number,
): RateRows {
  if (endSeconds < startSeconds) {
    throw new RangeError(`rate source: end offset ${endSeconds} is before start offset ${startSeconds}.`)
  }
  const maxSeconds = maxRateSeconds(rowsPerSecond)
  if (endSeconds > maxSeconds) {
    throw new RangeError(
      `rate source: offset ${endSeconds} s is past the largest exact value: with rowsPerSecond=${rowsPerSecond} the source can run ${maxSeconds} s. Lower rowsPerSecond, or start with a new checkpointLocation.`,
    )
  }
  const rangeStart = valueAtSecond(startSeconds, rowsPerSecond, rampUpTimeSeconds)
  const rangeEnd = valueAtSecond(endSeconds, rowsPerSecond, rampUpTimeSeconds)
  const n = rangeEnd - rangeStart
  const timestamps = new Float64Array(n)
  const values = new Float64Array(n)
  if (n === 0) return { timestamps, values }
  const localStartTimeMs = startTimeMs + startSeconds * 1000
  const relativeMsPerValue = ((endSeconds - startSeconds) * 1000) / n
  for (let i = 0; i < n; i++) {
    values[i] = rangeStart + i
    timestamps[i] = localStartTimeMs + Math.round(i * relativeMsPerValue)
  }
  return { timestamps, values }
}

/** Whole seconds from `startTimeMs` to `nowMs`, never negative (Spark truncates the same way). */
export function secondsSince(startTimeMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - startTimeMs) / 1000))
}

interface RateOptions {
  readonly rowsPerSecond: number
  readonly rampUpTimeSeconds: number
  readonly numPartitions: number | undefined
}

/** Spark reads rampUpTime with timeStringAsSec: a bare number is seconds, finer units truncate. */
function rampUpSeconds(options: Options): number {
  const raw = options.get('rampUpTime')
  if (raw === undefined) return 0
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw)
  const ms = options.getDurationMs('rampUpTime')!
  return Math.floor(ms / 1000)
}

function readOptions(options: Options): RateOptions {
  const rowsPerSecond = options.getPositiveInt('rowsPerSecond', 1)!
  const rampUpTimeSeconds = rampUpSeconds(options)
  if (rampUpTimeSeconds > maxRateSeconds(rowsPerSecond)) {
    throw new OptionError(
      `source 'rate': rampUpTime of ${rampUpTimeSeconds} s is too long for rowsPerSecond=${rowsPerSecond}: values would pass 2^53. Use a shorter rampUpTime or a lower rowsPerSecond.`,
      'INVALID_OPTION',
    )
  }
  return {
    rowsPerSecond,
    rampUpTimeSeconds,
    numPartitions: options.getPositiveInt('numPartitions'),
  }
}

/** Reads the start time written by an earlier run, or writes now as the start time. */
async function startTimeOf(metadataDir: string): Promise<number> {
  const file = path.join(metadataDir, RATE_START_FILE)
  const read = async (): Promise<number | undefined> => {
    let text: string
    try {
      text = await fs.readFile(file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    const ms = (parsed as { startTimeMs?: unknown } | undefined)?.startTimeMs
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms)) {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT: ${file} should hold {"version":1,"startTimeMs":<epoch ms>} but holds ${JSON.stringify(text.slice(0, 80))}. Restore it from a backup, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT',
      )
    }
    return ms
  }
  const existing = await read()
  if (existing !== undefined) return existing
  const now = Date.now()
  try {
    await atomicWrite(file, `${JSON.stringify({ version: 1, startTimeMs: now })}\n`, true)
    return now
  } catch (e) {
    // Another run wrote it between our read and write: its value is the one that counts.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    return (await read())!
  }
}

export class RateSource implements Source {
  readonly schema = RATE_SCHEMA as Schema<unknown>
  readonly replayable = true
  readonly description: string
  /** The newest time seen; only moves forward, so offsets never go back if the clock does. */
  private lastTimeMs: number
  private availableNowEnd: number | undefined
  private availableNow: AvailableNowRange | null = null

  constructor(
    readonly startTimeMs: number,
    private readonly options: RateOptions,
  ) {
    this.lastTimeMs = startTimeMs
    this.description = `RateStreamV2[rowsPerSecond=${options.rowsPerSecond}, rampUpTimeSeconds=${options.rampUpTimeSeconds}, numPartitions=${options.numPartitions ?? 'default'}]`
  }

  private currentSeconds(): number {
    this.lastTimeMs = Math.max(this.lastTimeMs, Date.now())
    return secondsSince(this.startTimeMs, this.lastTimeMs)
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.availableNowEnd = this.currentSeconds()
    this.availableNow = new AvailableNowRange(this.availableNowEnd, 'seconds')
  }

  async latestOffset(start: Offset, _limit: ReadLimit): Promise<Offset> {
    this.availableNow?.from(start as number)
    const now = this.currentSeconds()
    const end = this.availableNowEnd === undefined ? now : Math.min(now, this.availableNowEnd)
    return Math.max(start as number, end)
  }

  async getBatch(start: Offset, end: Offset) {
    const { rowsPerSecond, rampUpTimeSeconds } = this.options
    const rows = rateRows(this.startTimeMs, start as number, end as number, rowsPerSecond, rampUpTimeSeconds)
    // A replayed batch after a restart can end later than this run has seen; later offsets must not go back.
    this.lastTimeMs = Math.max(this.lastTimeMs, this.startTimeMs + (end as number) * 1000)
    this.availableNow?.readTo(end as number)
    const batch = new ColumnarBatch(
      RATE_SCHEMA,
      [numberVector(TimestampType, rows.timestamps), numberVector(LongType, rows.values)],
      rows.values.length,
    )
    return { data: batch as ColumnarBatch<unknown> }
  }

  async commit(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Under availableNow: seconds of rows read out of those due at the start (the progress bar). */
  metrics(): Record<string, number | string> {
    return this.availableNow?.metrics() ?? {}
  }
}

/** Refuses what Spark refuses for generated streams: a user schema and batch reads. */
export function generatedStreamSchema(name: string, ctx: SchemaContext, batchHint: string): Schema<unknown> {
  if (ctx.userSchema) {
    throw new AnalysisError(
      `USER_SCHEMA_NOT_SUPPORTED: the ${name} source has a fixed schema (${RATE_SCHEMA.simpleString()}). Remove .schema(...), and use select/withColumn to reshape the rows.`,
      'USER_SCHEMA_NOT_SUPPORTED',
    )
  }
  if (!ctx.streaming) {
    throw new AnalysisError(
      `UNSUPPORTED_BATCH_SOURCE: the ${name} source is streaming only: use session.readStream.format('${name}'). ${batchHint}`,
      'UNSUPPORTED_BATCH_SOURCE',
    )
  }
  return RATE_SCHEMA as Schema<unknown>
}

export const rateSourceProvider: SourceProvider = {
  name: 'rate',
  knownOptions: ['rowsPerSecond', 'rampUpTime', 'numPartitions'],
  schemaOf(ctx) {
    readOptions(ctx.options)
    return generatedStreamSchema('rate', ctx, 'For a bounded range of numbers use session.range(n).')
  },
  async createSource(ctx: SourceContext): Promise<Source> {
    const options = readOptions(ctx.options)
    return new RateSource(await startTimeOf(ctx.metadataDir), options)
  },
}
