/**
 * Reads stream entries with XRANGE, from an exclusive start: the entries with ids in
 * (start, end], binary-safe (field values stay bytes until a column decides their type).
 */
import { RESP_TYPES } from 'redis'
import { type Connection, commandError } from './client.js'
import { ZERO_ID } from './stream-id.js'

export interface StreamEntry {
  readonly stream: string
  readonly id: string
  /** Field names and values in the order XADD gave them. */
  readonly fields: readonly (readonly [string, Buffer])[]
}

const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } }

/** Entries per XRANGE call: one reply stays small, a batch takes few round trips. */
const PAGE = 10_000

function parseEntries(stream: string, reply: unknown): StreamEntry[] {
  const out: StreamEntry[] = []
  for (const item of reply as [Buffer, Buffer[] | null][]) {
    const flat = item[1] ?? []
    const fields: [string, Buffer][] = []
    for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i].toString('utf8'), flat[i + 1]])
    out.push({ stream, id: item[0].toString('latin1'), fields })
  }
  return out
}

/** Entries after `start` up to and including `end` ('+' for the newest), at most `max`. */
export async function readRange(
  c: Connection,
  stream: string,
  start: string,
  end: string,
  max = Number.POSITIVE_INFINITY,
): Promise<StreamEntry[]> {
  const out: StreamEntry[] = []
  let cursor = start
  while (out.length < max) {
    const count = Math.min(PAGE, max - out.length)
    // '(' makes the start exclusive (Redis ≥ 6.2); '-' is the same as after 0-0.
    const from = cursor === ZERO_ID ? '-' : `(${cursor}`
    let reply: unknown
    try {
      reply = await c.client.sendCommand(['XRANGE', stream, from, end, 'COUNT', String(count)], BUFFERS)
    } catch (e) {
      throw commandError(e, `XRANGE ${stream} ${from} ${end}`, c.where)
    }
    const page = parseEntries(stream, reply)
    out.push(...page)
    if (page.length < count) break
    cursor = page[page.length - 1].id
  }
  return out
}
