/**
 * The starting offsets of a streaming query, kept in the query's checkpoint folder (as
 * Spark's KafkaSourceInitialOffsetWriter does). Without it, a query started at 'latest' that
 * stops before its first batch would start at a later 'latest' next time and skip the
 * records that arrived in between.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { atomicWrite, CheckpointError } from '@tributary/core'
import type { OffsetMap } from './adapter.js'
import { fromJson, toJson } from './topic-partition.js'

const FILE = 'initial-offsets.json'

export async function readInitialOffsets(dir: string): Promise<OffsetMap | undefined> {
  const file = path.join(dir, FILE)
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  try {
    return fromJson(text, file)
  } catch (e) {
    throw new CheckpointError(
      `CORRUPT_CHECKPOINT: ${file} cannot be read (${(e as Error).message}). Restore it from a backup, or delete it to start again from startingOffsets.`,
      'CORRUPT_CHECKPOINT',
      { cause: e },
    )
  }
}

export async function writeInitialOffsets(dir: string, offsets: OffsetMap): Promise<void> {
  await atomicWrite(path.join(dir, FILE), `${JSON.stringify(toJson(offsets))}\n`)
}
