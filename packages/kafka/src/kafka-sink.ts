/**
 * The `kafka` sink. By default an idempotent producer writes each batch and the batch ends
 * when the brokers have acknowledged every record: no record of a committed batch is lost,
 * but a batch replayed after a crash is written again (at least once). Downstream can make
 * that effectively once with keys and a compacted topic (the replay rewrites the same keys).
 *
 * With 'kafka.transactional.id', each batch is one Kafka transaction that also writes a
 * marker with the batch id (transaction-markers.ts); a replayed batch whose marker is
 * committed is skipped. Consumers reading with isolation.level=read_committed then see each
 * batch once; read_uncommitted consumers also see aborted attempts.
 */
import type { ColumnarBatch, Sink } from '@tributary/core'
import { showOnly, TributaryError } from '@tributary/core'
import type { KafkaAdmin, KafkaProducer, ProducerRecord } from './adapter.js'
import type { KafkaSinkConfig } from './sink-options.js'
import { type RecordLayout, toProducerRecords } from './sink-rows.js'
import { lastCommittedMarker, type MarkerValue, markerRecord } from './transaction-markers.js'

/** Brokers refuse record batches above message.max.bytes (1 MB by default): send in slices below it. */
const SLICE_BYTES = 512 * 1024
const SLICE_RECORDS = 5000

function recordBytes(r: ProducerRecord): number {
  let n = 64 + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0)
  for (const h of r.headers) n += h.key.length + (h.value?.byteLength ?? 0)
  return n
}

export function slices(records: readonly ProducerRecord[]): ProducerRecord[][] {
  const out: ProducerRecord[][] = []
  let current: ProducerRecord[] = []
  let bytes = 0
  for (const r of records) {
    const b = recordBytes(r)
    if (current.length > 0 && (bytes + b > SLICE_BYTES || current.length >= SLICE_RECORDS)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(r)
    bytes += b
  }
  if (current.length > 0) out.push(current)
  return out
}

export class KafkaSink implements Sink {
  readonly description: string
  private written = 0
  private skippedBatches = 0
  /** The newest committed marker of this transactional id; read from the marker topic on first use. */
  private lastMarker: MarkerValue | undefined
  private markersRead = false

  constructor(
    private readonly producer: KafkaProducer,
    private readonly markers: KafkaAdmin | undefined,
    private readonly config: KafkaSinkConfig,
    private readonly layout: RecordLayout,
    private readonly queryName: string | undefined,
    private readonly checkpoint: string | undefined,
  ) {
    const topic = typeof layout.topic === 'string' ? layout.topic : 'column topic'
    const mode = config.producer.transactionalId
      ? `transactional.id=${config.producer.transactionalId}`
      : 'idempotent'
    this.description = `KafkaSink[${topic}, ${mode}]`
  }

  async addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    const records = toProducerRecords(data, this.layout)
    if (!this.config.producer.transactionalId) {
      for (const slice of slices(records)) await this.producer.send(slice)
      this.written += records.length
      return
    }
    await this.addTransactional(batchId, records)
  }

  private async addTransactional(batchId: number, records: ProducerRecord[]): Promise<void> {
    const txId = this.config.producer.transactionalId!
    const markerTopic = this.config.markerTopic!
    // Beginning the first transaction fences any older producer with this id and aborts its
    // open transaction, so the marker read next is final.
    const tx = await this.producer.beginTransaction()
    let committed = false
    try {
      if (!this.markersRead) {
        this.lastMarker = await lastCommittedMarker(this.markers!, markerTopic, txId)
        this.markersRead = true
      }
      const last = this.lastMarker
      if (last?.checkpoint && this.checkpoint && last.checkpoint !== this.checkpoint) {
        throw new TributaryError(
          `KAFKA_TRANSACTIONAL_ID_IN_USE: transactional.id '${txId}' was last used by the query with checkpoint ${last.checkpoint}, not this one (${this.checkpoint}). Two queries must not share a transactional id: give this query one of its own.`,
          'KAFKA_TRANSACTIONAL_ID_IN_USE',
        )
      }
      if (last !== undefined && batchId <= last.batchId) {
        if (batchId < last.batchId) {
          throw new TributaryError(
            `KAFKA_TRANSACTION_MARKER_AHEAD: marker topic '${markerTopic}' says batch ${last.batchId} of transactional.id '${txId}' is committed, but this query is writing batch ${batchId}. The checkpoint was replaced or another query uses the same transactional.id; give this query a transactional.id of its own.`,
            'KAFKA_TRANSACTION_MARKER_AHEAD',
          )
        }
        // A replay of the batch whose transaction committed before the crash: already written.
        await tx.abort()
        committed = true
        this.skippedBatches++
        return
      }
      for (const slice of slices(records)) await tx.send(slice)
      const marker = markerRecord(markerTopic, txId, batchId, this.queryName ?? null, this.checkpoint ?? null)
      await tx.send([marker])
      await tx.commit()
      committed = true
      this.lastMarker = {
        transactionalId: txId,
        batchId,
        queryName: null,
        checkpoint: this.checkpoint ?? null,
        committedAt: '',
      }
      this.written += records.length
    } finally {
      if (!committed) await tx.abort().catch(() => {})
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.producer.close(), this.markers?.close()])
  }

  metrics(): Record<string, number> {
    return { recordsWritten: this.written, batchesSkippedAsCommitted: this.skippedBatches }
  }
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(KafkaSink, (x) => ({ description: x.description }))
