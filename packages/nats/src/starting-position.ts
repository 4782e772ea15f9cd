/**
 * The offset a query starts from the very first time: the sequence before the first
 * message to read. 'latest' and timestamps depend on when they are resolved, so the
 * result is written to the source's folder in the checkpoint and read back on every later
 * start: a batch 0 that is replayed after a crash then reads the same range again.
 */
import { readFile } from 'node:fs/promises'
import * as path from 'node:path'
import { atomicWrite, CheckpointError } from '@tributary/core'
import type { JetStreamConnection } from './connection.js'
import type { StartingPosition } from './options.js'
import { streamInfo } from './stream-info.js'

const FILE = 'initial-offset.json'

interface Recorded {
  readonly stream: string
  readonly startingPosition: string
  readonly offset: number
}

export function describePosition(p: StartingPosition): string {
  if (p.kind === 'sequence') return String(p.sequence)
  if (p.kind === 'time') return p.text
  return p.kind
}

/** The sequence before the first message stored at or after `ms` that matches the filter. */
async function offsetAtTime(c: JetStreamConnection, stream: string, subject: string | undefined, ms: number) {
  const consumer = await c.js.consumers.get(stream, {
    opt_start_time: new Date(ms).toISOString(),
    ...(subject !== undefined ? { filter_subjects: subject } : {}),
    inactive_threshold: 60_000,
  })
  try {
    if ((await consumer.info(true)).num_pending === 0) return (await streamInfo(c, stream)).state.last_seq
    const first = await consumer.next({ expires: 5000 })
    return first ? first.seq - 1 : (await streamInfo(c, stream)).state.last_seq
  } finally {
    await consumer.delete().catch(() => {})
  }
}

async function resolve(
  c: JetStreamConnection,
  stream: string,
  subject: string | undefined,
  p: StartingPosition,
): Promise<number> {
  switch (p.kind) {
    case 'earliest':
      // What retention removed before the first start is not lost to this query: it never had it.
      return Math.max(0, (await streamInfo(c, stream)).state.first_seq - 1)
    case 'sequence':
      return p.sequence - 1
    case 'latest':
      return (await streamInfo(c, stream)).state.last_seq
    case 'time':
      return offsetAtTime(c, stream, subject, p.ms)
  }
}

export async function initialOffset(
  c: JetStreamConnection,
  metadataDir: string,
  stream: string,
  subject: string | undefined,
  position: StartingPosition,
): Promise<number> {
  const file = path.join(metadataDir, FILE)
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (text !== undefined) {
    let recorded: Recorded
    try {
      recorded = JSON.parse(text) as Recorded
      if (!Number.isSafeInteger(recorded.offset)) throw new Error('no offset')
    } catch {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT_FILE: ${file} cannot be parsed as the nats source's starting offset. Restore it from a backup, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT_FILE',
      )
    }
    if (recorded.stream !== stream) {
      throw new CheckpointError(
        `INCOMPATIBLE_CHECKPOINT: the checkpoint was written by a query reading stream '${recorded.stream}', but this one reads '${stream}'. Read the original stream, or start with a new checkpointLocation.`,
        'INCOMPATIBLE_CHECKPOINT',
      )
    }
    return recorded.offset
  }
  const offset = await resolve(c, stream, subject, position)
  const record: Recorded = { stream, startingPosition: describePosition(position), offset }
  await atomicWrite(file, `${JSON.stringify(record)}\n`)
  return offset
}
