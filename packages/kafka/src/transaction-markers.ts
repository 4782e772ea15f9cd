/**
 * Transactional mode's record of what was committed: each batch's transaction also writes
 * one marker record (key = transactional id, value = the batch id) to partition 0 of the
 * marker topic. Read back with read_committed, the newest marker of this transactional id
 * names the last batch whose transaction committed, which tells a replayed batch (after a
 * crash between the Kafka commit and Tributary's commit log) that it is already written.
 */
import { TributaryError } from '@tributary/core'
import type { KafkaAdmin, ProducerRecord, TopicPartition } from './adapter.js'
import { DataLossReporter } from './data-loss.js'
import { readRange } from './range-reader.js'

/** Offsets read per step when scanning the marker partition backwards. */
const SCAN_WINDOW = 1000

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface MarkerValue {
  readonly transactionalId: string
  readonly batchId: number
  readonly queryName: string | null
  /** The writing query's checkpointLocation when known: tells a replay from another query. */
  readonly checkpoint: string | null
  readonly committedAt: string
}

export function markerRecord(
  topic: string,
  transactionalId: string,
  batchId: number,
  queryName: string | null,
  checkpoint: string | null,
): ProducerRecord {
  const value: MarkerValue = {
    transactionalId,
    batchId,
    queryName,
    checkpoint,
    committedAt: new Date().toISOString(),
  }
  return {
    topic,
    partition: 0,
    key: encoder.encode(transactionalId),
    value: encoder.encode(JSON.stringify(value)),
    headers: [],
  }
}

/** The newest committed marker of `transactionalId`, or undefined when there is none. */
export async function lastCommittedMarker(
  admin: KafkaAdmin,
  markerTopic: string,
  transactionalId: string,
): Promise<MarkerValue | undefined> {
  const counts = await admin.partitionCounts([markerTopic])
  if (!counts.has(markerTopic)) {
    throw new TributaryError(
      `KAFKA_NO_MARKER_TOPIC: the transaction marker topic '${markerTopic}' does not exist. Create it first, e.g. kafka-topics.sh --create --topic ${markerTopic} --partitions 1 --config cleanup.policy=compact.`,
      'KAFKA_NO_MARKER_TOPIC',
    )
  }
  const tp: TopicPartition = { topic: markerTopic, partition: 0 }
  const start = (await admin.earliestOffsets([tp])).values().next().value ?? 0
  let until = (await admin.latestOffsets([tp])).values().next().value ?? 0
  // Markers that retention removed meanwhile are simply not there; nothing to report.
  const quiet = new DataLossReporter(false, () => {})
  const key = transactionalId
  while (until > start) {
    const from = Math.max(start, until - SCAN_WINDOW)
    const records = await readRange(admin, { tp, from, until }, quiet)
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i]
      if (r.key === null || decoder.decode(r.key) !== key) continue
      try {
        const v = JSON.parse(decoder.decode(r.value ?? new Uint8Array())) as Partial<MarkerValue>
        if (typeof v.batchId === 'number') {
          return {
            transactionalId,
            batchId: v.batchId,
            queryName: v.queryName ?? null,
            checkpoint: v.checkpoint ?? null,
            committedAt: v.committedAt ?? '',
          }
        }
      } catch {
        // handled below
      }
      throw new TributaryError(
        `KAFKA_BAD_MARKER: the record at offset ${r.offset} of ${markerTopic}-0 has key '${key}' but is not a Tributary transaction marker. Use a marker topic of its own.`,
        'KAFKA_BAD_MARKER',
      )
    }
    until = from
  }
  return undefined
}
