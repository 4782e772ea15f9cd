/**
 * The small surface the Kafka source and sink need from a Kafka client. All offset logic
 * (starting offsets, rate limits, data loss) is written against this interface, so it is
 * tested against a simulated cluster, and the client library can be replaced in one place
 * (platformatic/). Offsets and timestamps are numbers: exact up to 2^53, far beyond any
 * real partition.
 */

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

export interface KafkaHeader {
  readonly key: string
  readonly value: Uint8Array | null
}

/** A record as stored in a partition. */
export interface KafkaRecord {
  readonly offset: number
  /** Epoch milliseconds. */
  readonly timestamp: number
  /** 0 = CreateTime (set by the producer), 1 = LogAppendTime (set by the broker). */
  readonly timestampType: number
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: readonly KafkaHeader[]
}

/** One fetch of one partition. */
export interface FetchResult {
  /**
   * Records at offsets ≥ the requested one, ascending, visible under the isolation level.
   * Offsets may skip (compacted records, transaction markers, aborted records), and the
   * result may stop before or go beyond the requested end; the caller trims.
   */
  readonly records: readonly KafkaRecord[]
  /** Where the next fetch starts: after the last record or marker this fetch covered. */
  readonly nextOffset: number
  /** The partition's first stored offset when fetched; records before it were deleted. */
  readonly logStartOffset: number
  /** The partition's end: the high watermark, or the last stable offset under read_committed. */
  readonly endOffset: number
}

/** Offsets keyed by `tpKey(tp)`. */
export type OffsetMap = Map<string, number>

export interface KafkaAdmin {
  /** Topics that exist, without Kafka's internal ones (e.g. __consumer_offsets). */
  listTopics(): Promise<string[]>
  /** Partition counts of the topics that exist; topics that do not are left out. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>
  /** First stored offset of each partition. */
  earliestOffsets(partitions: readonly TopicPartition[]): Promise<OffsetMap>
  /** Offset after the newest visible record of each partition. */
  latestOffsets(partitions: readonly TopicPartition[]): Promise<OffsetMap>
  /** The first offset whose timestamp is ≥ the given one, per partition; null when there is none. */
  offsetsForTimestamps(query: ReadonlyMap<string, number>): Promise<Map<string, number | null>>
  /** Records of one partition from `from`, aiming to reach `until` (exclusive). */
  fetch(tp: TopicPartition, from: number, until: number): Promise<FetchResult>
  /** Stores the offsets as a consumer group's position, for lag monitoring only. */
  commitGroupOffsets(groupId: string, offsets: ReadonlyMap<string, number>): Promise<void>
  close(): Promise<void>
}

/** A record to write. A null partition lets the producer's partitioner choose (by key hash). */
export interface ProducerRecord {
  readonly topic: string
  readonly partition: number | null
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: readonly KafkaHeader[]
}

export interface KafkaTransaction {
  send(records: readonly ProducerRecord[]): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
}

export interface KafkaProducer {
  /** Writes and waits for the broker's acknowledgement of every record. */
  send(records: readonly ProducerRecord[]): Promise<void>
  /** Only for a producer created with a transactional id. */
  beginTransaction(): Promise<KafkaTransaction>
  close(): Promise<void>
}

/** What a client needs to connect: neutral of the client library. */
export interface KafkaClientConfig {
  readonly bootstrapServers: readonly string[]
  readonly clientId: string
  /** `kafka.*` options without the prefix, already checked against KAFKA_CLIENT_OPTIONS. */
  readonly properties: Readonly<Record<string, string>>
  readonly isolationLevel: 'read_uncommitted' | 'read_committed'
}

export interface KafkaProducerConfig extends KafkaClientConfig {
  readonly transactionalId: string | undefined
}

/** Makes clients; the default uses @platformatic/kafka, tests pass a simulated cluster. */
export interface KafkaConnector {
  admin(config: KafkaClientConfig): KafkaAdmin
  producer(config: KafkaProducerConfig): KafkaProducer
}
