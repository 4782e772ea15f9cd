/**
 * Turning startingOffsets / endingOffsets (earliest, latest, JSON offsets, timestamps) into
 * concrete offsets for a set of partitions, with Spark's rules: JSON must name every
 * partition read, -2 and -1 stand for earliest and latest, and a timestamp maps to the first
 * offset at or after it.
 */
import { OptionError, TributaryError } from '@tributary/core'
import type { KafkaAdmin, OffsetMap, TopicPartition } from './adapter.js'
import { EARLIEST, LATEST, type OffsetSpec } from './source-options.js'
import { tpKey, tpName, tpOf } from './topic-partition.js'

function checkSamePartitions(
  which: string,
  given: ReadonlyMap<string, number>,
  partitions: readonly TopicPartition[],
): void {
  const read = new Set(partitions.map(tpKey))
  const missing = [...read].filter((k) => !given.has(k))
  const extra = [...given.keys()].filter((k) => !read.has(k))
  if (missing.length === 0 && extra.length === 0) return
  const parts: string[] = []
  if (missing.length > 0) parts.push(`it does not name ${missing.map(tpName).join(', ')}`)
  if (extra.length > 0)
    parts.push(`it names ${extra.map(tpName).join(', ')}, which the query does not read (no such partition)`)
  throw new OptionError(
    `source 'kafka': option '${which}' must give every partition the query reads, but ${parts.join(' and ')}. Use -2 for earliest and -1 for latest.`,
    'INVALID_OPTION',
  )
}

async function byTimestamp(
  admin: KafkaAdmin,
  which: 'starting' | 'ending',
  query: Map<string, number>,
  strategy: 'error' | 'latest',
): Promise<OffsetMap> {
  const found = await admin.offsetsForTimestamps(query)
  const none = [...query.keys()].filter((k) => found.get(k) == null)
  const latest = none.length > 0 ? await admin.latestOffsets(none.map(tpOf)) : new Map<string, number>()
  if (which === 'starting' && strategy === 'error' && none.length > 0) {
    const list = none.map(
      (k) => `${tpName(k)} (timestamp ${query.get(k)} = ${new Date(query.get(k)!).toISOString()})`,
    )
    throw new TributaryError(
      `KAFKA_NO_OFFSET_FOR_TIMESTAMP: no record is at or after the starting timestamp in ${list.join(', ')}. Pick an earlier timestamp, or set startingOffsetsByTimestampStrategy to 'latest' to start such partitions at their latest offset.`,
      'KAFKA_NO_OFFSET_FOR_TIMESTAMP',
    )
  }
  // Spark: an ending timestamp after every record, or strategy 'latest', means the latest offset.
  const out: OffsetMap = new Map()
  for (const k of query.keys()) out.set(k, found.get(k) ?? latest.get(k)!)
  return out
}

export async function resolveOffsets(
  admin: KafkaAdmin,
  partitions: readonly TopicPartition[],
  spec: OffsetSpec,
  which: 'starting' | 'ending',
  strategy: 'error' | 'latest',
): Promise<OffsetMap> {
  if (partitions.length === 0) return new Map()
  switch (spec.kind) {
    case 'earliest':
      return admin.earliestOffsets(partitions)
    case 'latest':
      return admin.latestOffsets(partitions)
    case 'timestamp':
      return byTimestamp(admin, which, new Map(partitions.map((p) => [tpKey(p), spec.timestampMs])), strategy)
    case 'timestamps':
      checkSamePartitions(`${which}OffsetsByTimestamp`, spec.timestamps, partitions)
      return byTimestamp(admin, which, new Map(spec.timestamps), strategy)
    case 'offsets': {
      checkSamePartitions(`${which}Offsets`, spec.offsets, partitions)
      const wantEarliest = partitions.filter((p) => spec.offsets.get(tpKey(p)) === EARLIEST)
      const wantLatest = partitions.filter((p) => spec.offsets.get(tpKey(p)) === LATEST)
      const earliest = wantEarliest.length > 0 ? await admin.earliestOffsets(wantEarliest) : new Map()
      const latest = wantLatest.length > 0 ? await admin.latestOffsets(wantLatest) : new Map()
      const out: OffsetMap = new Map()
      for (const p of partitions) {
        const k = tpKey(p)
        const o = spec.offsets.get(k)!
        // A concrete offset is used as given; if retention deleted it, reading reports the loss.
        out.set(k, o === EARLIEST ? earliest.get(k)! : o === LATEST ? latest.get(k)! : o)
      }
      return out
    }
  }
}
