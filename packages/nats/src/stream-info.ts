/**
 * The stream a source reads: its state (first and last sequence, deleted sequences) and
 * the checks made once at start (the stream exists, the subject filter fits it).
 */
import type { StreamInfo } from '@nats-io/jetstream'
import { OptionError, TributaryError } from '@tributary/core'
import type { JetStreamConnection } from './connection.js'

export function isStreamNotFound(e: unknown): boolean {
  const err = e as Error & { code?: number; api_error?: { err_code?: number } }
  return err.name === 'StreamNotFoundError' || err.code === 10059 || /stream not found/i.test(err.message)
}

async function streamNames(c: JetStreamConnection): Promise<string[]> {
  const names: string[] = []
  try {
    for await (const n of c.jsm.streams.names()) names.push(n)
  } catch {
    // Only for the hint; the error that matters is the missing stream.
  }
  return names.sort()
}

/** The stream's info; `details` also lists the sequences deleted inside the stream. */
export async function streamInfo(
  c: JetStreamConnection,
  stream: string,
  details = false,
): Promise<StreamInfo> {
  try {
    return await c.jsm.streams.info(stream, details ? { deleted_details: true } : undefined)
  } catch (e) {
    if (!isStreamNotFound(e)) {
      throw new TributaryError(
        `NATS_REQUEST_FAILED: reading the state of stream '${stream}' on ${c.where} failed (${(e as Error).message}). Check that the server is up; the query can be restarted from its checkpoint.`,
        'NATS_REQUEST_FAILED',
        { cause: e },
      )
    }
    const names = await streamNames(c)
    throw new TributaryError(
      `NATS_STREAM_NOT_FOUND: stream '${stream}' does not exist on ${c.where}. ${names.length ? `Streams there: ${names.join(', ')}.` : 'The server has no streams.'} Create it (e.g. nats stream add ${stream} --subjects '${stream.toLowerCase()}.>'), or fix option 'stream'.`,
      'NATS_STREAM_NOT_FOUND',
    )
  }
}

/** Whether subject pattern `pattern` matches every subject `filter` matches. */
export function covers(pattern: string, filter: string): boolean {
  const p = pattern.split('.')
  const f = filter.split('.')
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i < f.length
    if (i >= f.length) return false
    if (p[i] === '*') {
      if (f[i] === '>') return false
      continue
    }
    if (p[i] !== f[i]) return false
  }
  return p.length === f.length
}

/** Refuses a filter subject outside the stream's subjects, as the server would when reading. */
export function checkFilterSubject(info: StreamInfo, filter: string, owner: string): void {
  const subjects = info.config.subjects ?? []
  // Streams fed by sources or mirrors have no subjects of their own: nothing to check against.
  if (subjects.length === 0) return
  if (subjects.some((s) => covers(s, filter))) return
  throw new OptionError(
    `${owner}: option 'subject' = '${filter}' is not within the subjects of stream '${info.config.name}' (${subjects.join(', ')}). Use one of them, or a narrower filter inside one.`,
    'INVALID_OPTION',
  )
}
