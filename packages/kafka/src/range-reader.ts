/**
 * Reading the records of one partition in [from, until), fetch after fetch. Offsets may
 * skip inside the range (compaction, transaction markers, aborted records): that is not
 * loss, as long as the partition still starts at or before the offset being read (Spark's
 * KafkaDataConsumer draws the same line). Loss is reading before the partition's first
 * stored offset (retention), or past its end (truncation, re-created topic).
 */
import { TributaryError } from '@tributary/core'
import type { KafkaAdmin, KafkaRecord } from './adapter.js'
import type { DataLossReporter } from './data-loss.js'
import type { OffsetRange } from './offset-ranges.js'
import { tpName } from './topic-partition.js'

/** Fetches that return nothing for an offset inside the partition: a broker or client fault. */
const MAX_EMPTY_FETCHES = 5

export async function readRange(
  admin: KafkaAdmin,
  range: OffsetRange,
  loss: DataLossReporter,
): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = []
  const name = tpName(range.tp)
  let offset = range.from
  let empty = 0
  while (offset < range.until) {
    const f = await admin.fetch(range.tp, offset, range.until)
    if (offset < f.logStartOffset) {
      const resume = Math.min(f.logStartOffset, range.until)
      loss.report(
        `cannot read offsets [${offset}, ${resume}) of ${name}: the partition now starts at offset ${f.logStartOffset}, so retention deleted them before this batch read them`,
      )
      offset = resume
      continue
    }
    for (const r of f.records) if (r.offset >= offset && r.offset < range.until) out.push(r)
    if (f.nextOffset > offset) {
      offset = f.nextOffset
      empty = 0
      continue
    }
    if (f.endOffset <= offset) {
      loss.report(
        `cannot read offsets [${offset}, ${range.until}) of ${name}: the partition now ends at offset ${f.endOffset} (records were truncated, or the topic was re-created)`,
      )
      break
    }
    if (++empty >= MAX_EMPTY_FETCHES) {
      throw new TributaryError(
        `KAFKA_FETCH_STALLED: ${MAX_EMPTY_FETCHES} fetches of ${name} at offset ${offset} returned nothing although the partition holds offsets up to ${f.endOffset}. A record may be larger than the fetch size: raise 'kafka.max.partition.fetch.bytes' and 'kafka.fetch.max.bytes'.`,
        'KAFKA_FETCH_STALLED',
      )
    }
  }
  return out
}
