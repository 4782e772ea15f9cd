/**
 * Reads the stored messages whose stream sequence is in (start, end] through a short-lived
 * ordered consumer that starts at start + 1. The consumer delivers in sequence order and
 * skips what the subject filter excludes or retention removed, so the gaps in what comes
 * back are exactly the sequences not read; data-loss.ts decides which of them were lost.
 */
import type { JsMsg } from '@nats-io/jetstream'
import { TributaryError } from '@tributary/core'
import type { JetStreamConnection } from './connection.js'

/** One message as the source keeps it until it becomes a row. */
export interface StoredMessage {
  readonly sequence: number
  readonly subject: string
  readonly data: Uint8Array
  readonly timestampMs: number
  readonly headers: Record<string, string> | null
}

export interface RangeRequest {
  readonly stream: string
  readonly subject: string | undefined
  readonly start: number
  readonly end: number
  /** Stop after this many messages (admission control). */
  readonly maxCount?: number
  readonly includeHeaders: boolean
}

/** Messages per pull request: large enough to stream, small enough not to buffer a whole backlog twice. */
const FETCH_SIZE = 1000
/** A pull waits this long for messages the consumer counted but that vanished (deleted meanwhile). */
const FETCH_EXPIRES_MS = 5000

function toStored(m: JsMsg, includeHeaders: boolean): StoredMessage {
  let headers: Record<string, string> | null = null
  if (includeHeaders) {
    headers = {}
    if (m.headers) {
      // A key can repeat; its values are joined as HTTP joins repeated headers.
      for (const [k, values] of m.headers) headers[k] = values.join(', ')
    }
  }
  return {
    sequence: m.seq,
    subject: m.subject,
    data: m.data,
    timestampMs: Math.floor(m.info.timestampNanos / 1e6),
    headers,
  }
}

export async function readRange(c: JetStreamConnection, r: RangeRequest): Promise<StoredMessage[]> {
  const out: StoredMessage[] = []
  if (r.end <= r.start) return out
  const limit = Math.min(r.maxCount ?? Number.POSITIVE_INFINITY, r.end - r.start)
  let consumer: Awaited<ReturnType<typeof c.js.consumers.get>>
  try {
    consumer = await c.js.consumers.get(r.stream, {
      opt_start_seq: r.start + 1,
      ...(r.subject !== undefined ? { filter_subjects: r.subject } : {}),
      // Cleans up after a process that died before deleting it.
      inactive_threshold: 60_000,
    })
  } catch (e) {
    throw new TributaryError(
      `NATS_REQUEST_FAILED: cannot open a consumer on stream '${r.stream}' at ${c.where} to read sequences ${r.start + 1}–${r.end} (${(e as Error).message}). Check that the stream exists and the server is up; the query can be restarted from its checkpoint.`,
      'NATS_REQUEST_FAILED',
      { cause: e },
    )
  }
  try {
    // Counted when the consumer was made: nothing to wait for when no message matches.
    let pending = (await consumer.info(true)).num_pending
    while (pending > 0 && out.length < limit) {
      const batch = await consumer.fetch({
        max_messages: Math.min(FETCH_SIZE, limit - out.length, pending),
        expires: FETCH_EXPIRES_MS,
      })
      let received = 0
      let done = false
      try {
        for await (const m of batch) {
          received++
          if (m.seq > r.end) {
            done = true
            break
          }
          out.push(toStored(m, r.includeHeaders))
          pending = m.info.pending
          if (m.seq === r.end || pending === 0 || out.length >= limit) {
            done = true
            break
          }
        }
      } finally {
        batch.stop()
      }
      // An empty pull: what was counted was deleted before it could be delivered.
      if (done || received === 0) break
    }
  } finally {
    await consumer.delete().catch(() => {})
  }
  return out
}
