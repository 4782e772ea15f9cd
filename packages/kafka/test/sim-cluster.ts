/**
 * A simulated Kafka cluster behind the KafkaConnector interface, for testing the offset
 * logic without a broker: topics and partitions with offsets, retention (log start moves),
 * compaction (offsets vanish), truncation, partitions added, topics deleted and re-created,
 * transactions (markers take offsets; aborted records stay but read_committed skips them;
 * an open transaction holds the last stable offset back), and consumer group offsets.
 */
import { TributaryError } from '@tributary/core'
import type {
  FetchResult,
  KafkaAdmin,
  KafkaClientConfig,
  KafkaConnector,
  KafkaHeader,
  KafkaProducer,
  KafkaProducerConfig,
  KafkaRecord,
  KafkaTransaction,
  OffsetMap,
  ProducerRecord,
  TopicPartition,
} from '../src/adapter.js'

interface Txn {
  readonly id: string
  state: 'open' | 'committed' | 'aborted'
}

interface Entry {
  readonly offset: number
  readonly record: KafkaRecord | null
  /** A transaction marker (control record): takes an offset, never shown. */
  readonly control: boolean
  readonly txn: Txn | null
}

class Partition {
  entries: Entry[] = []
  logStart = 0
  next = 0

  /** The last stable offset: the first offset of the oldest open transaction, else the end. */
  lso(): number {
    for (const e of this.entries) if (e.txn?.state === 'open') return e.offset
    return this.next
  }
}

export interface RecordInput {
  readonly key?: string | null
  readonly value?: string | null
  readonly timestamp?: number
  readonly headers?: readonly KafkaHeader[]
  readonly logAppendTime?: boolean
}

const enc = new TextEncoder()
const bytes = (s: string | null | undefined): Uint8Array | null => (s == null ? null : enc.encode(s))

export class SimCluster implements KafkaConnector {
  readonly topics = new Map<string, Partition[]>()
  readonly groups = new Map<string, Map<string, number>>()
  /** Records per fetch, small so that reads take several fetches. */
  maxEntriesPerFetch = 3
  /** When set, every call fails as an unreachable cluster does. */
  unreachable = false
  /** The clock for record timestamps. */
  now = 1_700_000_000_000
  fetches = 0
  readonly admins: SimAdmin[] = []
  private readonly txnEpochs = new Map<string, number>()
  private readonly openTxns = new Map<string, { txn: Txn; touched: Set<Partition> }>()
  private roundRobin = 0

  createTopic(name: string, partitions = 1): void {
    if (this.topics.has(name)) throw new Error(`topic ${name} exists`)
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => new Partition()),
    )
  }

  addPartitions(name: string, count: number): void {
    const parts = this.topics.get(name)!
    for (let i = 0; i < count; i++) parts.push(new Partition())
  }

  deleteTopic(name: string): void {
    this.topics.delete(name)
  }

  partition(topic: string, partition: number): Partition {
    const p = this.topics.get(topic)?.[partition]
    if (!p) throw new Error(`no partition ${topic}-${partition}`)
    return p
  }

  private append(p: Partition, record: KafkaRecord | null, txn: Txn | null, control = false): number {
    const offset = p.next++
    p.entries.push({ offset, record: record && { ...record, offset }, control, txn })
    return offset
  }

  /** Appends records (strings are values) to one partition; returns their offsets. */
  produce(topic: string, partition: number, inputs: readonly (string | RecordInput)[]): number[] {
    const p = this.partition(topic, partition)
    return inputs.map((x) => {
      const r: RecordInput = typeof x === 'string' ? { value: x } : x
      const ts = r.timestamp ?? this.now++
      return this.append(p, this.toRecord(r, ts), null)
    })
  }

  private toRecord(r: RecordInput, ts: number): KafkaRecord {
    return {
      offset: -1,
      timestamp: ts,
      timestampType: r.logAppendTime ? 1 : 0,
      key: bytes(r.key),
      value: bytes(r.value ?? null),
      headers: r.headers ?? [],
    }
  }

  /** Retention: offsets before `offset` are deleted. */
  deleteRecordsBefore(topic: string, partition: number, offset: number): void {
    const p = this.partition(topic, partition)
    p.logStart = Math.max(p.logStart, offset)
    p.entries = p.entries.filter((e) => e.offset >= p.logStart)
  }

  /** Compaction: these offsets are gone, the others keep theirs. */
  compact(topic: string, partition: number, offsets: readonly number[]): void {
    const p = this.partition(topic, partition)
    const gone = new Set(offsets)
    p.entries = p.entries.filter((e) => !gone.has(e.offset))
  }

  /** Unclean leader election: the log is cut back to `offset`. */
  truncate(topic: string, partition: number, offset: number): void {
    const p = this.partition(topic, partition)
    p.entries = p.entries.filter((e) => e.offset < offset)
    p.next = offset
  }

  /** All records of a partition visible under read_committed or not, as value strings. */
  values(topic: string, partition: number, committedOnly = true): string[] {
    const dec = new TextDecoder()
    return this.partition(topic, partition)
      .entries.filter((e) => !e.control && (!committedOnly || !e.txn || e.txn.state === 'committed'))
      .map((e) => (e.record?.value ? dec.decode(e.record.value) : 'null'))
  }

  entries(topic: string, partition: number): readonly Entry[] {
    return this.partition(topic, partition).entries
  }

  check(): void {
    if (this.unreachable) {
      throw new TributaryError(
        'KAFKA_CONNECT_FAILED: cannot reach the Kafka brokers (sim:9092: ECONNREFUSED).',
        'KAFKA_CONNECT_FAILED',
      )
    }
  }

  admin(config: KafkaClientConfig): KafkaAdmin {
    const a = new SimAdmin(this, config.isolationLevel === 'read_committed')
    this.admins.push(a)
    return a
  }

  producer(config: KafkaProducerConfig): KafkaProducer {
    return new SimProducer(this, config.transactionalId)
  }

  /** Where a record without a partition goes: by key hash, else round robin. */
  pick(topic: string, key: Uint8Array | null): number {
    const n = this.topics.get(topic)!.length
    if (key === null) return this.roundRobin++ % n
    let h = 0
    for (const b of key) h = (h * 31 + b) | 0
    return Math.abs(h) % n
  }

  write(records: readonly ProducerRecord[], txn: Txn | null, touched?: Set<Partition>): void {
    for (const r of records) {
      if (!this.topics.has(r.topic)) {
        throw new TributaryError(
          `KAFKA_ERROR: Kafka failed: UNKNOWN_TOPIC_OR_PARTITION (${r.topic}).`,
          'KAFKA_ERROR',
        )
      }
      const p = this.partition(r.topic, r.partition ?? this.pick(r.topic, r.key))
      touched?.add(p)
      this.append(
        p,
        {
          offset: -1,
          timestamp: this.now++,
          timestampType: 0,
          key: r.key,
          value: r.value,
          headers: r.headers,
        },
        txn,
      )
    }
  }

  /** InitProducerId for a transactional id: a new epoch, and the previous owner's open transaction aborted. */
  fence(id: string): number {
    const epoch = (this.txnEpochs.get(id) ?? 0) + 1
    this.txnEpochs.set(id, epoch)
    const open = this.openTxns.get(id)
    if (open) this.endTxn(id, open, false)
    return epoch
  }

  epochOf(id: string): number {
    return this.txnEpochs.get(id) ?? 0
  }

  beginTxn(id: string): Txn {
    const txn: Txn = { id, state: 'open' }
    this.openTxns.set(id, { txn, touched: new Set() })
    return txn
  }

  touchedBy(id: string): Set<Partition> {
    return this.openTxns.get(id)!.touched
  }

  endTxn(id: string, open: { txn: Txn; touched: Set<Partition> }, commit: boolean): void {
    open.txn.state = commit ? 'committed' : 'aborted'
    for (const p of open.touched) this.append(p, null, open.txn, true)
    this.openTxns.delete(id)
  }

  openTxn(id: string): { txn: Txn; touched: Set<Partition> } | undefined {
    return this.openTxns.get(id)
  }
}

export class SimAdmin implements KafkaAdmin {
  closed = false

  constructor(
    private readonly c: SimCluster,
    private readonly readCommitted: boolean,
  ) {}

  async listTopics(): Promise<string[]> {
    this.c.check()
    return [...this.c.topics.keys()].sort()
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    this.c.check()
    const out = new Map<string, number>()
    for (const t of topics) {
      const parts = this.c.topics.get(t)
      if (parts) out.set(t, parts.length)
    }
    return out
  }

  private each(partitions: readonly TopicPartition[], f: (p: Partition) => number): OffsetMap {
    this.c.check()
    const out: OffsetMap = new Map()
    for (const tp of partitions) {
      const p = this.c.topics.get(tp.topic)?.[tp.partition]
      if (p) out.set(`${tp.topic}:${tp.partition}`, f(p))
    }
    return out
  }

  async earliestOffsets(partitions: readonly TopicPartition[]): Promise<OffsetMap> {
    return this.each(partitions, (p) => p.logStart)
  }

  async latestOffsets(partitions: readonly TopicPartition[]): Promise<OffsetMap> {
    return this.each(partitions, (p) => (this.readCommitted ? p.lso() : p.next))
  }

  async offsetsForTimestamps(query: ReadonlyMap<string, number>): Promise<Map<string, number | null>> {
    this.c.check()
    const out = new Map<string, number | null>()
    for (const [k, ts] of query) {
      const i = k.lastIndexOf(':')
      const p = this.c.topics.get(k.slice(0, i))?.[Number(k.slice(i + 1))]
      if (!p) continue
      const hit = p.entries.find((e) => e.record && e.record.timestamp >= ts)
      out.set(k, hit ? hit.offset : null)
    }
    return out
  }

  async fetch(tp: TopicPartition, from: number, _until: number): Promise<FetchResult> {
    this.c.check()
    this.c.fetches++
    const p = this.c.topics.get(tp.topic)?.[tp.partition]
    if (!p) return { records: [], nextOffset: from, logStartOffset: 0, endOffset: 0 }
    const end = this.readCommitted ? p.lso() : p.next
    if (from < p.logStart || from > p.next) {
      return { records: [], nextOffset: from, logStartOffset: p.logStart, endOffset: end }
    }
    const covered = p.entries
      .filter((e) => e.offset >= from && e.offset < end)
      .slice(0, this.c.maxEntriesPerFetch)
    const records: KafkaRecord[] = []
    for (const e of covered) {
      if (e.control || !e.record) continue
      if (this.readCommitted && e.txn?.state === 'aborted') continue
      records.push(e.record)
    }
    // Nothing stored in [from, end) any more (compacted away): the next fetch starts at the end.
    const nextOffset = covered.length > 0 ? covered[covered.length - 1].offset + 1 : Math.max(from, end)
    return { records, nextOffset, logStartOffset: p.logStart, endOffset: end }
  }

  async commitGroupOffsets(groupId: string, offsets: ReadonlyMap<string, number>): Promise<void> {
    this.c.check()
    const g = this.c.groups.get(groupId) ?? new Map<string, number>()
    for (const [k, o] of offsets) g.set(k, o)
    this.c.groups.set(groupId, g)
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

class SimProducer implements KafkaProducer {
  private epoch: number | undefined
  /** Fails the next send of a transaction after this many records, to simulate a crash. */
  static failAfterRecords: number | undefined

  constructor(
    private readonly c: SimCluster,
    private readonly transactionalId: string | undefined,
  ) {}

  async send(records: readonly ProducerRecord[]): Promise<void> {
    this.c.check()
    this.c.write(records, null)
  }

  async beginTransaction(): Promise<KafkaTransaction> {
    this.c.check()
    const id = this.transactionalId
    if (!id) throw new Error('not a transactional producer')
    // As @platformatic/kafka: the first transaction of a producer fences the older ones.
    this.epoch ??= this.c.fence(id)
    const fenced = () => {
      if (this.c.epochOf(id) !== this.epoch) {
        throw new TributaryError('KAFKA_ERROR: Kafka failed: INVALID_PRODUCER_EPOCH (fenced).', 'KAFKA_ERROR')
      }
    }
    fenced()
    const txn = this.c.beginTxn(id)
    const c = this.c
    return {
      async send(records) {
        fenced()
        const limit = SimProducer.failAfterRecords
        if (limit !== undefined) {
          SimProducer.failAfterRecords = undefined
          c.write(records.slice(0, limit), txn, c.touchedBy(id))
          throw new TributaryError(
            'KAFKA_CONNECT_FAILED: connection lost while writing (simulated).',
            'KAFKA_CONNECT_FAILED',
          )
        }
        c.write(records, txn, c.touchedBy(id))
      },
      async commit() {
        fenced()
        c.endTxn(id, c.openTxn(id)!, true)
      },
      async abort() {
        const open = c.openTxn(id)
        if (open && open.txn === txn) c.endTxn(id, open, false)
      },
    }
  }

  async close(): Promise<void> {}
}

export { SimProducer }
