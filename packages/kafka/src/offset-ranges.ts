/**
 * What a batch reads from each partition: [from, until) between the batch's start and end
 * offsets, with Spark's checks (KafkaOffsetReader.getOffsetRangesFromResolvedOffsets):
 * partitions new since the start begin at their earliest offset, which should be 0;
 * partitions that vanished, and partitions whose end went backwards, are data loss.
 */
import type { OffsetMap, TopicPartition } from './adapter.js'
import type { DataLossReporter } from './data-loss.js'
import { describeOffsets, sortedKeys, tpName, tpOf } from './topic-partition.js'

export interface OffsetRange {
  readonly tp: TopicPartition
  readonly from: number
  readonly until: number
}

export async function offsetRanges(
  start: OffsetMap,
  end: OffsetMap,
  earliestOf: (tps: TopicPartition[]) => Promise<OffsetMap>,
  loss: DataLossReporter,
): Promise<OffsetRange[]> {
  const added = [...end.keys()].filter((k) => !start.has(k))
  const addedStarts = added.length > 0 ? await earliestOf(added.map(tpOf)) : new Map<string, number>()
  const vanished = added.filter((k) => !addedStarts.has(k))
  if (vanished.length > 0) {
    loss.report(
      `cannot find the earliest offsets of new partitions ${vanished.map(tpName).join(', ')}: they were deleted just after they appeared`,
    )
  }
  for (const k of sortedKeys(addedStarts)) {
    const o = addedStarts.get(k)!
    if (o !== 0) {
      loss.report(
        `added partition ${tpName(k)} starts at offset ${o} instead of 0: records [0, ${o}) were deleted before the query saw the partition`,
      )
    }
  }
  const gone = [...start.keys()].filter((k) => !end.has(k))
  if (gone.length > 0) {
    const last = new Map(gone.map((k) => [k, start.get(k)!]))
    loss.report(
      `partitions ${gone.map(tpName).join(', ')} are gone (topic deleted, or no longer matched by the subscription); records after offsets ${describeOffsets(last)} may not have been read`,
    )
  }
  const ranges: OffsetRange[] = []
  for (const k of sortedKeys(end)) {
    const from = start.get(k) ?? addedStarts.get(k)
    if (from === undefined) continue
    const until = end.get(k)!
    if (until < from) {
      loss.report(
        `partition ${tpName(k)} went back from offset ${from} to ${until} (the topic was re-created, or records were truncated after an unclean leader election); offsets [${until}, ${from}) now hold different records or none`,
      )
      continue
    }
    if (until > from) ranges.push({ tp: tpOf(k), from, until })
  }
  return ranges
}
