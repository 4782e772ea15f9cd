/**
 * The offsets a query starts from the very first time, one entry id per stream: the
 * query reads the entries after it. 'latest' depends on when it is resolved ('$' is the
 * newest id at that moment), so the resolved ids, with their positions, are written to the
 * source's folder in the checkpoint and read back on later starts: a batch 0 replayed
 * after a crash reads the same range again. A stream added to option 'streams' later is
 * resolved when it first appears.
 */
import { readFile } from 'node:fs/promises'
import * as path from 'node:path'
import { atomicWrite, CheckpointError } from '@tributary/core'
import type { Connection } from './client.js'
import type { StartingPosition } from './options.js'
import type { PositionBook } from './positions.js'
import { ZERO_ID } from './stream-id.js'
import type { StreamState } from './stream-info.js'

const FILE = 'initial-offsets.json'

type Recorded = Record<string, { position: string; id: string; entryPosition: number | null }>

/** `null` state: the stream does not exist yet, and starts at the first entry ever added. */
function resolve(
  p: StartingPosition,
  state: StreamState | null,
): { id: string; position: number | undefined } {
  if (state === null)
    return { id: typeof p === 'string' ? ZERO_ID : p.id, position: typeof p === 'string' ? 0 : undefined }
  if (p === 'earliest') {
    // What was removed before the first start is not lost to this query: it never had it.
    return {
      id: ZERO_ID,
      position: state.entriesAdded === undefined ? undefined : state.entriesAdded - state.length,
    }
  }
  if (p === 'latest') return { id: state.lastGeneratedId, position: state.entriesAdded }
  return { id: p.id, position: undefined }
}

export async function initialOffsets(
  c: Connection,
  metadataDir: string,
  positions: ReadonlyMap<string, StartingPosition>,
  stateOf: (c: Connection, stream: string) => Promise<StreamState | null>,
  book: PositionBook,
): Promise<Record<string, string>> {
  const file = path.join(metadataDir, FILE)
  let recorded: Recorded = {}
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (text !== undefined) {
    try {
      recorded = JSON.parse(text) as Recorded
    } catch {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT_FILE: ${file} cannot be parsed as the redis source's starting offsets. Restore it from a backup, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT_FILE',
      )
    }
  }
  let changed = false
  for (const [stream, p] of positions) {
    if (recorded[stream]) continue
    const r = resolve(p, await stateOf(c, stream))
    recorded[stream] = {
      position: typeof p === 'string' ? p : p.id,
      id: r.id,
      entryPosition: r.position ?? null,
    }
    changed = true
  }
  if (changed) await atomicWrite(file, `${JSON.stringify(recorded, null, 1)}\n`)
  const out: Record<string, string> = {}
  for (const stream of positions.keys()) {
    const r = recorded[stream]
    out[stream] = r.id
    if (r.entryPosition !== null) book.set(stream, r.id, r.entryPosition)
  }
  return out
}
