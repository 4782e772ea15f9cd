/**
 * The `kafka` source, with Spark's semantics. Offsets are `{topic: {partition: next}}` in
 * Tributary's checkpoint and nowhere else: the broker's consumer groups are never read for
 * recovery. A batch reads exactly the offsets logged for it, so a replayed batch reads the
 * same records (replayable), as long as Kafka still has them.
 */
import { createHash } from 'node:crypto'
import * as path from 'node:path'
import {
  type Offset,
  type ReadLimit,
  type Schema,
  type Source,
  type SourceBatch,
  showOnly,
  TributaryError,
} from '@tributary/core'
import type { KafkaAdmin, OffsetMap, TopicPartition } from './adapter.js'
import { DataLossReporter } from './data-loss.js'
import { readInitialOffsets, writeInitialOffsets } from './initial-offsets.js'
import { type OffsetRange, offsetRanges } from './offset-ranges.js'
import { resolveOffsets } from './offset-resolver.js'
import { readRange } from './range-reader.js'
import { rateLimit, TriggerDelay } from './rate-limit.js'
import { type PartitionRecords, toColumnarBatch } from './record-batch.js'
import { kafkaSchema } from './schema.js'
import type { KafkaSourceConfig } from './source-options.js'
import { checkAssigned, checkTopicsExist, currentPartitions } from './subscription.js'
import { fromJson, toJson, tpKey, tpName, tpOf } from './topic-partition.js'

/** Partitions fetched at once while reading a batch. */
const FETCH_CONCURRENCY = 4

export interface KafkaSourceContext {
  readonly bounded: boolean
  readonly metadataDir: string
  readonly now: () => number
  readonly warn: (message: string) => void
  /** Batch reads: offsets read of the total in the range, after each partition (the progress bar). */
  readonly onProgress?: (done: number, total: number, rows: number, unit: string) => void
}

/** Offsets from `start` to `end`, summed over the partitions of `end`. */
function offsetsBetween(start: OffsetMap, end: OffsetMap): number {
  let n = 0
  for (const [k, e] of end) n += Math.max(0, e - (start.get(k) ?? e))
  return n
}

function describeSubscription(config: KafkaSourceConfig): string {
  const s = config.subscription
  if (s.kind === 'subscribe') return `Subscribe[${s.topics.join(',')}]`
  if (s.kind === 'subscribePattern') return `SubscribePattern[${s.text}]`
  return `Assign[${s.partitions.map(tpName).join(',')}]`
}

/** The consumer group offsets are committed to (monitoring only), stable across restarts of one query. */
export function monitoringGroupId(config: KafkaSourceConfig, metadataDir: string): string | undefined {
  if (config.groupId) return config.groupId
  if (!config.groupIdPrefix) return undefined
  const hash = createHash('sha256').update(path.resolve(metadataDir)).digest('hex').slice(0, 12)
  return `${config.groupIdPrefix}-${hash}`
}

export class KafkaSource implements Source {
  readonly replayable = true
  readonly schema: Schema<unknown>
  readonly description: string
  private readonly loss: DataLossReporter
  private readonly delay: TriggerDelay | undefined
  private readonly groupId: string | undefined
  /** A batch read decides its partitions once, for both ends. */
  private boundedPartitions: TopicPartition[] | undefined
  private boundedEnd: OffsetMap | undefined
  private availableNow = false
  private availableNowEnd: OffsetMap | undefined
  /** Where an availableNow run began (the first batch's start): the total is from it to availableNowEnd. */
  private availableNowStart: OffsetMap | undefined
  /** From the last latestOffset call and the last batch read: for the offsets-behind metrics. */
  private latestSeen: OffsetMap | undefined
  private lastEnd: OffsetMap | undefined
  private recordsRead = 0
  /** The last latestOffset held data back (minOffsetsPerTrigger): waiting, not idle. */
  private heldBack = false
  private commitWarned = false

  constructor(
    private readonly admin: KafkaAdmin,
    private readonly config: KafkaSourceConfig,
    private readonly ctx: KafkaSourceContext,
  ) {
    this.schema = kafkaSchema(config.includeHeaders)
    this.description = `KafkaV2[${describeSubscription(config)}]`
    this.loss = new DataLossReporter(config.failOnDataLoss, ctx.warn)
    this.delay =
      config.minOffsetsPerTrigger !== undefined
        ? new TriggerDelay(config.minOffsetsPerTrigger, config.maxTriggerDelayMs, ctx.now)
        : undefined
    this.groupId = ctx.bounded ? undefined : monitoringGroupId(config, ctx.metadataDir)
  }

  /** Fails fast (at start) when the brokers cannot be reached or the assignment is wrong. */
  async check(): Promise<void> {
    await this.admin.listTopics()
    await checkAssigned(this.admin, this.config.subscription)
  }

  private async resolve(partitions: TopicPartition[], which: 'starting' | 'ending'): Promise<OffsetMap> {
    const spec = which === 'starting' ? this.config.starting : this.config.ending
    return resolveOffsets(this.admin, partitions, spec, which, this.config.timestampStrategy)
  }

  async initialOffset(): Promise<Offset> {
    if (this.ctx.bounded) {
      await checkTopicsExist(this.admin, this.config.subscription)
      this.boundedPartitions = await currentPartitions(this.admin, this.config.subscription)
      return toJson(await this.resolve(this.boundedPartitions, 'starting'))
    }
    const logged = await readInitialOffsets(this.ctx.metadataDir)
    if (logged) return toJson(logged)
    const start = await this.resolve(
      await currentPartitions(this.admin, this.config.subscription),
      'starting',
    )
    await writeInitialOffsets(this.ctx.metadataDir, start)
    return toJson(start)
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.availableNow = true
    // What is there when the query starts is where it stops.
    this.availableNowEnd = await this.admin.latestOffsets(
      await currentPartitions(this.admin, this.config.subscription),
    )
  }

  async latestOffset(start: Offset, limit: ReadLimit): Promise<Offset> {
    if (this.ctx.bounded) {
      this.boundedEnd ??= await this.resolve(this.boundedPartitions ?? [], 'ending')
      return toJson(this.boundedEnd)
    }
    const from = fromJson(start, 'the offsets in the checkpoint')
    let latest: OffsetMap
    if (this.availableNow) {
      this.availableNowEnd ??= await this.admin.latestOffsets(
        await currentPartitions(this.admin, this.config.subscription),
      )
      latest = this.availableNowEnd
      if (!this.availableNowStart) {
        // Partitions new since the checkpoint start at their earliest offset.
        const added = [...latest.keys()].filter((k) => !from.has(k))
        const earliest = added.length > 0 ? await this.admin.earliestOffsets(added.map(tpOf)) : new Map()
        this.availableNowStart = new Map([...earliest, ...from])
      }
    } else {
      latest = await this.admin.latestOffsets(await currentPartitions(this.admin, this.config.subscription))
    }
    this.latestSeen = latest
    if (limit === 'all') return toJson(latest)
    // Held back for more data; never under AvailableNow, which would then end with data unread.
    this.heldBack = false
    if (this.delay && !this.availableNow && this.delay.shouldWait(from, latest)) {
      this.heldBack = [...latest].some(([k, end]) => end > (from.get(k) ?? 0))
      return start
    }
    const max = this.config.maxOffsetsPerTrigger
    if (max === undefined) return toJson(latest)
    const added = [...latest.keys()].filter((k) => !from.has(k))
    const fromNew = added.length > 0 ? await this.admin.earliestOffsets(added.map(tpOf)) : new Map()
    return toJson(rateLimit(max, from, latest, fromNew))
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const from = fromJson(start, 'the batch start offsets')
    const until = fromJson(end, 'the batch end offsets')
    const ranges = this.ctx.bounded
      ? this.boundedRanges(from, until)
      : await offsetRanges(from, until, (tps) => this.admin.earliestOffsets(tps), this.loss)
    const parts: PartitionRecords[] = new Array(ranges.length)
    let next = 0
    const progress = this.ctx.bounded ? this.ctx.onProgress : undefined
    const total = ranges.reduce((n, r) => n + (r.until - r.from), 0)
    let done = 0
    let rows = 0
    const worker = async () => {
      while (next < ranges.length) {
        const i = next++
        parts[i] = { tp: ranges[i].tp, records: await readRange(this.admin, ranges[i], this.loss) }
        done += ranges[i].until - ranges[i].from
        rows += parts[i].records.length
        progress?.(done, total, rows, 'offsets')
      }
    }
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, ranges.length) }, worker))
    const data = toColumnarBatch(parts, this.config.includeHeaders)
    this.recordsRead += data.numRows
    this.lastEnd = until
    return { data }
  }

  /** A batch read: both ends were resolved for the same partitions; an end before its start is a mistake in the options. */
  private boundedRanges(from: OffsetMap, until: OffsetMap): OffsetRange[] {
    const ranges: OffsetRange[] = []
    for (const tp of this.boundedPartitions ?? []) {
      const k = tpKey(tp)
      const a = from.get(k)!
      const b = until.get(k)!
      if (b < a) {
        throw new TributaryError(
          `KAFKA_INVALID_RANGE: for ${tpName(tp)} the ending offset ${b} is before the starting offset ${a}. Fix startingOffsets/endingOffsets (or their timestamps).`,
          'KAFKA_INVALID_RANGE',
        )
      }
      if (b > a) ranges.push({ tp, from: a, until: b })
    }
    return ranges
  }

  async commit(end: Offset): Promise<void> {
    if (!this.groupId) return
    try {
      await this.admin.commitGroupOffsets(this.groupId, fromJson(end, 'the committed offsets'))
    } catch (e) {
      // Monitoring only: a failed commit must not stop the query, but should be seen once.
      if (!this.commitWarned) {
        this.commitWarned = true
        this.ctx.warn(
          `[tributary] kafka source: could not commit offsets to consumer group '${this.groupId}' (for monitoring only; the query's progress is in its checkpoint): ${(e as Error).message}`,
        )
      }
    }
  }

  async stop(): Promise<void> {
    await this.admin.close()
  }

  isHoldingBack(): boolean {
    return this.heldBack
  }

  metrics(): Record<string, number | string> {
    const out: Record<string, number | string> = {
      recordsRead: this.recordsRead,
      dataLossEvents: this.loss.count,
    }
    if (this.availableNowStart && this.availableNowEnd) {
      // The progress bar of an availableNow run: offsets read of those there at the start.
      const total = offsetsBetween(this.availableNowStart, this.availableNowEnd)
      const reached = new Map([...this.availableNowStart, ...(this.lastEnd ?? [])])
      const capped = new Map(
        [...reached].map(([k, v]) => [k, Math.min(v, this.availableNowEnd!.get(k) ?? v)]),
      )
      out.availableNowTotal = total
      out.availableNowDone = Math.min(total, offsetsBetween(this.availableNowStart, capped))
      out.availableNowUnit = 'offsets'
    }
    if (this.latestSeen && this.lastEnd) {
      const behind: number[] = []
      for (const [k, latest] of this.latestSeen) {
        const consumed = this.lastEnd.get(k)
        if (consumed !== undefined) behind.push(latest - consumed)
      }
      if (behind.length > 0) {
        out.minOffsetsBehindLatest = Math.min(...behind)
        out.maxOffsetsBehindLatest = Math.max(...behind)
        out.avgOffsetsBehindLatest = behind.reduce((a, b) => a + b, 0) / behind.length
      }
    }
    return out
  }
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(KafkaSource, (x) => ({ description: x.description }))
