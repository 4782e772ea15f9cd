/**
 * Record batches of a fetch response into records, as the Java consumer reads them: control
 * batches (transaction markers) are skipped, and under read_committed so are the batches of
 * transactions the broker lists as aborted, until that producer's abort marker.
 */
import type { KafkaRecord } from '../adapter.js'

/** The fields of a fetched record batch this decoder uses (a subset of @platformatic/kafka's RecordsBatch). */
export interface FetchedBatch {
  readonly firstOffset: bigint
  readonly lastOffsetDelta: number
  readonly attributes: number
  readonly firstTimestamp: bigint
  readonly maxTimestamp: bigint
  readonly producerId: bigint
  readonly records: readonly {
    readonly offsetDelta: number
    readonly timestampDelta: bigint
    readonly key: Uint8Array | null
    readonly value: Uint8Array | null
    readonly headers: readonly (readonly [Uint8Array | null, Uint8Array | null])[]
  }[]
}

export interface AbortedTransaction {
  readonly producerId: bigint
  readonly firstOffset: bigint
}

const TIMESTAMP_TYPE = 1 << 3
const TRANSACTIONAL = 1 << 4
const CONTROL = 1 << 5
/** Control record key: version (int16) then type (int16): 0 = abort, 1 = commit. */
const ABORT_MARKER = 0

const decoder = new TextDecoder()

/** A Buffer as a plain Uint8Array view (no copy), so users see one binary type. */
const view = (b: Uint8Array | null): Uint8Array | null =>
  b === null ? null : b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

export interface Decoded {
  readonly records: KafkaRecord[]
  /** The offset after the last batch seen (records, markers and aborted ones alike). */
  readonly nextOffset: number
}

export function decodeBatches(
  batches: readonly FetchedBatch[],
  from: number,
  readCommitted: boolean,
  aborted: readonly AbortedTransaction[],
): Decoded {
  const records: KafkaRecord[] = []
  let next = from
  const pending = [...aborted].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  )
  const abortedProducers = new Set<bigint>()
  for (const batch of batches) {
    const first = Number(batch.firstOffset)
    const last = first + batch.lastOffsetDelta
    next = Math.max(next, last + 1)
    const isControl = (batch.attributes & CONTROL) !== 0
    if (readCommitted && (batch.attributes & TRANSACTIONAL) !== 0) {
      while (pending.length > 0 && Number(pending[0].firstOffset) <= last)
        abortedProducers.add(pending.shift()!.producerId)
      if (isControl) {
        const key = batch.records[0]?.key
        const type = key && key.byteLength >= 4 ? new DataView(key.buffer, key.byteOffset, 4).getInt16(2) : -1
        if (type === ABORT_MARKER) abortedProducers.delete(batch.producerId)
        continue
      }
      if (abortedProducers.has(batch.producerId)) continue
    }
    if (isControl) continue
    const logAppend = (batch.attributes & TIMESTAMP_TYPE) !== 0
    for (const r of batch.records) {
      const offset = first + r.offsetDelta
      if (offset < from) continue
      records.push({
        offset,
        timestamp: logAppend ? Number(batch.maxTimestamp) : Number(batch.firstTimestamp + r.timestampDelta),
        timestampType: logAppend ? 1 : 0,
        key: view(r.key),
        value: view(r.value),
        headers: r.headers.map(([k, v]) => ({ key: k === null ? '' : decoder.decode(k), value: view(v) })),
      })
    }
  }
  return { records, nextOffset: next }
}
