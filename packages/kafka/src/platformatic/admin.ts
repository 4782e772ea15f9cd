/**
 * KafkaAdmin on @platformatic/kafka: metadata and offsets through its Admin client, records
 * through a Consumer's low-level fetch (no group is joined), group offsets through
 * alterConsumerGroupOffsets (the group never has members, which Kafka requires for that).
 */
import { randomUUID } from 'node:crypto'
import { Admin, Consumer } from '@platformatic/kafka'
import type { FetchResult, KafkaAdmin, KafkaClientConfig, OffsetMap, TopicPartition } from '../adapter.js'
import { tpKey, tpOf } from '../topic-partition.js'
import { baseOptions, intProperty } from './client-options.js'
import { decodeBatches, type FetchedBatch } from './decode.js'
import { hasApiError, translateError } from './errors.js'
import { hardenClient } from './harden-client.js'

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>

const EARLIEST = -2n
const LATEST = -1n

function byTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const m = new Map<string, number[]>()
  for (const p of partitions) {
    const list = m.get(p.topic) ?? []
    list.push(p.partition)
    m.set(p.topic, list)
  }
  return m
}

export class PlatformaticAdmin implements KafkaAdmin {
  private readonly admin: Admin
  private consumer: Consumer | undefined
  private readonly readCommitted: boolean

  constructor(private readonly config: KafkaClientConfig) {
    this.admin = hardenClient(new Admin(baseOptions(config)), config)
    this.readCommitted = config.isolationLevel === 'read_committed'
  }

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw translateError(e, this.config, doing)
    }
  }

  listTopics(): Promise<string[]> {
    return this.call('listing topics', () => this.admin.listTopics({ includeInternals: false }))
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const existing = new Set(await this.listTopics())
    const wanted = topics.filter((t) => existing.has(t))
    const out = new Map<string, number>()
    if (wanted.length === 0) return out
    const md = await this.call('reading topic metadata', () => this.admin.metadata({ topics: wanted }))
    for (const t of wanted) {
      const info = md.topics.get(t)
      if (info) out.set(t, info.partitionsCount)
    }
    return out
  }

  private async listOffsets(query: ReadonlyMap<string, bigint>, doing: string): Promise<Map<string, bigint>> {
    const topics = new Map<string, { partitionIndex: number; timestamp: bigint }[]>()
    for (const [k, timestamp] of query) {
      const { topic, partition } = tpOf(k)
      const list = topics.get(topic) ?? []
      list.push({ partitionIndex: partition, timestamp })
      topics.set(topic, list)
    }
    const out = new Map<string, bigint>()
    if (topics.size === 0) return out
    const result = await this.call(doing, () =>
      this.admin.listOffsets({
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        isolationLevel: this.readCommitted ? 1 : 0,
      }),
    )
    for (const t of result)
      for (const p of t.partitions) out.set(tpKey({ topic: t.name, partition: p.partitionIndex }), p.offset)
    return out
  }

  private async fixed(
    partitions: readonly TopicPartition[],
    which: bigint,
    doing: string,
  ): Promise<OffsetMap> {
    const got = await this.listOffsets(new Map(partitions.map((p) => [tpKey(p), which])), doing)
    return new Map([...got].map(([k, o]) => [k, Number(o)]))
  }

  earliestOffsets(partitions: readonly TopicPartition[]): Promise<OffsetMap> {
    return this.fixed(partitions, EARLIEST, 'reading earliest offsets')
  }

  latestOffsets(partitions: readonly TopicPartition[]): Promise<OffsetMap> {
    return this.fixed(partitions, LATEST, 'reading latest offsets')
  }

  async offsetsForTimestamps(query: ReadonlyMap<string, number>): Promise<Map<string, number | null>> {
    const got = await this.listOffsets(
      new Map([...query].map(([k, ts]) => [k, BigInt(ts)])),
      'looking up offsets by timestamp',
    )
    return new Map(
      [...query.keys()].map((k) => [
        k,
        got.get(k) === undefined || got.get(k)! < 0n ? null : Number(got.get(k)),
      ]),
    )
  }

  private fetcher(): Consumer {
    // A consumer is needed for its fetch(); it never joins this group.
    this.consumer ??= hardenClient(
      new Consumer({
        ...baseOptions(this.config),
        groupId: `tributary-fetch-${randomUUID()}`,
      }),
      this.config,
    )
    return this.consumer
  }

  async fetch(tp: TopicPartition, from: number, until: number): Promise<FetchResult> {
    const md = await this.call('reading topic metadata', () => this.admin.metadata({ topics: [tp.topic] }))
    const topic = md.topics.get(tp.topic)
    const leader = topic?.partitions[tp.partition]?.leader
    if (!topic || leader === undefined) {
      // The topic or partition is gone: nothing is stored any more.
      return { records: [], nextOffset: from, logStartOffset: 0, endOffset: 0 }
    }
    const maxBytes = intProperty(this.config, 'fetch.max.bytes') ?? 50 * 1024 * 1024
    const partitionMaxBytes = intProperty(this.config, 'max.partition.fetch.bytes') ?? 1024 * 1024
    let response: FetchResponse
    try {
      response = await this.fetcher().fetch({
        node: leader,
        topics: [
          {
            topicId: topic.id,
            partitions: [
              {
                partition: tp.partition,
                fetchOffset: BigInt(from),
                partitionMaxBytes,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              },
            ],
          },
        ],
        minBytes: 1,
        maxBytes,
        // The data is known to exist up to `until`; do not wait long for more.
        maxWaitTime: intProperty(this.config, 'fetch.max.wait.ms') ?? 500,
        isolationLevel: this.readCommitted ? 1 : 0,
      })
    } catch (e) {
      if (hasApiError(e, 'OFFSET_OUT_OF_RANGE')) {
        const [start, end] = await Promise.all([this.earliestOffsets([tp]), this.latestOffsets([tp])])
        return {
          records: [],
          nextOffset: from,
          logStartOffset: start.get(tpKey(tp)) ?? 0,
          endOffset: end.get(tpKey(tp)) ?? 0,
        }
      }
      throw translateError(e, this.config, `fetching ${tp.topic}-${tp.partition} from offset ${from}`)
    }
    const p = response.responses[0]?.partitions.find((x) => x.partitionIndex === tp.partition)
    if (!p) return { records: [], nextOffset: from, logStartOffset: from, endOffset: until }
    const decoded = decodeBatches(
      (p.records ?? []) as unknown as FetchedBatch[],
      from,
      this.readCommitted,
      p.abortedTransactions ?? [],
    )
    return {
      records: decoded.records,
      nextOffset: decoded.nextOffset,
      logStartOffset: Number(p.logStartOffset),
      endOffset: Number(this.readCommitted ? p.lastStableOffset : p.highWatermark),
    }
  }

  async commitGroupOffsets(groupId: string, offsets: ReadonlyMap<string, number>): Promise<void> {
    const topics = byTopic([...offsets.keys()].map(tpOf))
    await this.call(`committing offsets of group '${groupId}'`, () =>
      this.admin.alterConsumerGroupOffsets({
        groupId,
        topics: [...topics].map(([name, partitions]) => ({
          name,
          partitionOffsets: partitions.map((partition) => ({
            partition,
            offset: BigInt(offsets.get(tpKey({ topic: name, partition }))!),
          })),
        })),
      }),
    )
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.consumer?.close(true)])
  }
}
