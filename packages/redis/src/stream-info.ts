/**
 * What XINFO STREAM says about a stream: enough to find where it ends and to tell which
 * entries were removed. `entriesAdded` and `maxDeletedId` exist from Redis 7.0.
 */
import { TributaryError } from '@tributary/core'
import { type Connection, commandError } from './client.js'

export interface StreamState {
  readonly length: number
  /** Every entry ever added (Redis ≥ 7), removed ones included. */
  readonly entriesAdded: number | undefined
  readonly lastGeneratedId: string
  /** The newest id removed by XDEL (not by trimming), '0-0' when none (Redis ≥ 7). */
  readonly maxDeletedId: string | undefined
  /** Ids of the first and last entries stored, undefined when the stream is empty. */
  readonly firstId: string | undefined
  readonly lastId: string | undefined
}

/** The reply as a record: RESP2 gives a flat list of names and values, RESP3 a map. */
function toRecord(reply: unknown): Record<string, unknown> {
  if (Array.isArray(reply)) {
    const out: Record<string, unknown> = {}
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1]
    return out
  }
  if (reply instanceof Map) return Object.fromEntries([...reply].map(([k, v]) => [String(k), v]))
  return (reply ?? {}) as Record<string, unknown>
}

const entryId = (entry: unknown): string | undefined =>
  Array.isArray(entry) && entry.length > 0
    ? String(entry[0])
    : entry == null
      ? undefined
      : String((entry as { id?: unknown }).id)

export function parseStreamInfo(reply: unknown): StreamState {
  const r = toRecord(reply)
  const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v))
  return {
    length: Number(r.length ?? 0),
    entriesAdded: num(r['entries-added']),
    lastGeneratedId: String(r['last-generated-id'] ?? '0-0'),
    maxDeletedId: r['max-deleted-entry-id'] === undefined ? undefined : String(r['max-deleted-entry-id']),
    firstId: entryId(r['first-entry']),
    lastId: entryId(r['last-entry']),
  }
}

const isNoSuchKey = (e: unknown): boolean => /no such key/i.test((e as Error).message)

/** The stream's state, or null when the key does not exist (yet). */
export async function streamState(c: Connection, stream: string): Promise<StreamState | null> {
  try {
    return parseStreamInfo(await c.client.sendCommand(['XINFO', 'STREAM', stream]))
  } catch (e) {
    if (isNoSuchKey(e)) return null
    if (/WRONGTYPE/.test((e as Error).message)) {
      throw new TributaryError(
        `REDIS_NOT_A_STREAM: key '${stream}' on ${c.where} holds another type than a stream. Name a stream key, or use another key for the stream.`,
        'REDIS_NOT_A_STREAM',
      )
    }
    throw commandError(e, `XINFO STREAM ${stream}`, c.where)
  }
}
