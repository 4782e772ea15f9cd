/**
 * The first part of the sink's message ids. It must be the same when a batch is replayed
 * after a restart, and differ between queries writing to the same stream: the query id
 * that the checkpoint's metadata file keeps is both.
 */
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import * as path from 'node:path'
import type { SinkContext } from '@tributary/core'

/** Where the writer put the checkpoint: the option, or the session's root plus the query name. */
function checkpointDir(ctx: SinkContext): string | undefined {
  const explicit = ctx.options.get('checkpointLocation')
  if (explicit) return explicit
  const root = ctx.session.conf.get('tributary.sql.streaming.checkpointLocation')
  return root && ctx.queryName ? path.join(root, ctx.queryName) : undefined
}

export async function resolveSinkId(ctx: SinkContext, explicit: string | undefined): Promise<string> {
  if (explicit !== undefined) return explicit
  // df.write runs once and is not replayed: any id will do.
  if (ctx.bounded) return randomUUID()
  const dir = checkpointDir(ctx)
  if (dir !== undefined) {
    try {
      const meta = JSON.parse(await readFile(path.join(dir, 'metadata'), 'utf8')) as { id?: unknown }
      if (typeof meta.id === 'string' && meta.id !== '') return meta.id
    } catch {
      // Fall through: the query name is the next stable choice.
    }
  }
  return ctx.queryName ?? randomUUID()
}
