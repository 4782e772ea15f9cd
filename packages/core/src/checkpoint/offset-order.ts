/**
 * Offsets only move forward: each batch reads after the end of the one before. An offset
 * log entry rewritten to an earlier, still valid range would make a restart read rows a
 * second time; comparing consecutive entries at start catches it.
 *
 * Offsets are the sources' own JSON, so the comparison is structural: every number found
 * at the same place in both (Kafka's per-partition offsets, a file log index, a row count,
 * a stream sequence) must not decrease. Places that only one side has (a new partition)
 * and non-numbers are not compared.
 */
import { createHash } from 'node:crypto'
import type { Offset } from '../sources/source.js'
import { CheckpointError } from '../util/errors.js'
import type { Checkpoint } from './checkpoint.js'

/** Where `later` is behind `earlier`, as a JSON path and the two numbers; null when nowhere. */
export function wentBack(
  earlier: Offset,
  later: Offset,
  at = '',
): { at: string; was: number; now: number } | null {
  if (typeof earlier === 'number' && typeof later === 'number') {
    return later < earlier ? { at: at || '(the offset)', was: earlier, now: later } : null
  }
  if (Array.isArray(earlier) && Array.isArray(later)) {
    for (let i = 0; i < Math.min(earlier.length, later.length); i++) {
      const w = wentBack(earlier[i], later[i], `${at}[${i}]`)
      if (w) return w
    }
    return null
  }
  if (isObject(earlier) && isObject(later)) {
    for (const k of Object.keys(earlier)) {
      if (!(k in later)) continue
      const w = wentBack(earlier[k], later[k], at ? `${at}.${k}` : k)
      if (w) return w
    }
  }
  return null
}

function isObject(v: Offset): v is { [key: string]: Offset } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** What a commit records of the offsets its batch read, to notice a rewritten offset log entry. */
export function offsetsDigest(offsets: readonly (Offset | null)[]): string {
  return createHash('sha256').update(JSON.stringify(offsets)).digest('hex')
}

/**
 * At start: each retained `offsets/N` must not go back before `offsets/N-1`, and must still
 * hold what `commits/N` recorded it read. Either would make this run read rows twice.
 * `describe(i)` names source i in the message.
 */
export async function checkOffsetLog(
  checkpoint: Checkpoint,
  describe: (source: number) => string,
): Promise<void> {
  let before: { id: number; offsets: readonly (Offset | null)[] } | undefined
  for (const id of await checkpoint.offsets.batchIds()) {
    const entry = await checkpoint.offsets.get(id)
    if (!entry) continue
    if (before && before.id === id - 1) {
      for (let i = 0; i < Math.min(before.offsets.length, entry.offsets.length); i++) {
        const a = before.offsets[i]
        const b = entry.offsets[i]
        const back = a === null || b === null ? null : wentBack(a, b)
        if (back) {
          throw new CheckpointError(
            `CORRUPT_CHECKPOINT_FILE: ${checkpoint.offsets.fileOf(id)} goes back: source ${i} (${describe(i)}) ends batch ${id} at ${back.at} = ${back.now}, before the end of batch ${before.id} (${back.was}) in ${checkpoint.offsets.fileOf(before.id)}. Offsets only move forward, so the file was rewritten or copied from elsewhere; reading from it would process rows twice. Restore the file from a backup, or start with a new checkpointLocation.`,
            'CORRUPT_CHECKPOINT_FILE',
          )
        }
      }
    }
    const commit = await checkpoint.commits.get(id)
    if (commit?.offsetsSha256 !== undefined && commit.offsetsSha256 !== offsetsDigest(entry.offsets)) {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT_FILE: ${checkpoint.offsets.fileOf(id)} does not hold the offsets batch ${id} read when it committed (${checkpoint.commits.fileOf(id)} records their digest): the file was rewritten or copied from elsewhere, and going on from it would skip or repeat rows. Restore the file from a backup, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT_FILE',
      )
    }
    before = { id, offsets: entry.offsets }
  }
}
