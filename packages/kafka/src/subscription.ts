/**
 * Which partitions a query reads now: every partition of the subscribed topics, of the
 * topics matching the pattern, or the assigned ones. Asked again before each batch, so
 * partitions added to a topic (or topics created that match) are picked up.
 */
import { TributaryError } from '@tributary/core'
import type { KafkaAdmin, TopicPartition } from './adapter.js'
import type { Subscription } from './source-options.js'
import { sortedTps, tpName } from './topic-partition.js'

async function allPartitions(admin: KafkaAdmin, topics: readonly string[]): Promise<TopicPartition[]> {
  if (topics.length === 0) return []
  const counts = await admin.partitionCounts(topics)
  const out: TopicPartition[] = []
  for (const [topic, n] of counts)
    for (let partition = 0; partition < n; partition++) out.push({ topic, partition })
  return sortedTps(out)
}

export async function currentPartitions(admin: KafkaAdmin, sub: Subscription): Promise<TopicPartition[]> {
  switch (sub.kind) {
    case 'subscribe':
      return allPartitions(admin, sub.topics)
    case 'subscribePattern':
      return allPartitions(
        admin,
        (await admin.listTopics()).filter((t) => sub.pattern.test(t)),
      )
    case 'assign': {
      const counts = await admin.partitionCounts([...new Set(sub.partitions.map((p) => p.topic))])
      return sortedTps(sub.partitions.filter((p) => p.partition < (counts.get(p.topic) ?? 0)))
    }
  }
}

/** At start, assigned partitions must exist: offsets of a partition that does not cannot be known. */
export async function checkAssigned(admin: KafkaAdmin, sub: Subscription): Promise<void> {
  if (sub.kind !== 'assign') return
  const counts = await admin.partitionCounts([...new Set(sub.partitions.map((p) => p.topic))])
  const missing = sub.partitions.filter((p) => p.partition >= (counts.get(p.topic) ?? 0))
  if (missing.length > 0) {
    const why = missing
      .map((p) => {
        const n = counts.get(p.topic)
        return `${tpName(p)} (${n === undefined ? 'no such topic' : `the topic has ${n} partition${n === 1 ? '' : 's'}`})`
      })
      .join(', ')
    throw new TributaryError(
      `KAFKA_UNKNOWN_PARTITION: 'assign' names partitions that do not exist: ${why}. Create them, or fix the 'assign' option.`,
      'KAFKA_UNKNOWN_PARTITION',
    )
  }
}

/**
 * A batch read of named topics fails when one does not exist, naming it: it would otherwise
 * return no rows, which looks like an empty topic. (A stream waits for topics to appear, as
 * Spark's does; a pattern may match nothing.)
 */
export async function checkTopicsExist(admin: KafkaAdmin, sub: Subscription): Promise<void> {
  if (sub.kind !== 'subscribe') return
  const counts = await admin.partitionCounts(sub.topics)
  const missing = sub.topics.filter((t) => !counts.has(t))
  if (missing.length > 0) {
    const names = missing.map((t) => `'${t}'`).join(', ')
    throw new TributaryError(
      `KAFKA_UNKNOWN_TOPIC: the batch read subscribes to ${names}, which ${missing.length === 1 ? 'does' : 'do'} not exist on the brokers. Create ${missing.length === 1 ? 'it' : 'them'}, or fix 'subscribe'.`,
      'KAFKA_UNKNOWN_TOPIC',
    )
  }
}
