/**
 * Full and failing disks. A write that fails with ENOSPC (or EDQUOT) or EIO (or EROFS)
 * becomes DISK_FULL or DISK_IO_ERROR naming the path, whatever wrote it: a checkpoint
 * log, a state store, a sink. Every such write is made so that the checkpoint stays as
 * it was before it (temporary file then rename; state committed before the commit log),
 * so the way out is always the same: free space (or fix the disk) and restart.
 */

import { statfsSync } from 'node:fs'
import * as path from 'node:path'
import { StorageError, TributaryError } from './errors.js'

const FULL = new Set(['ENOSPC', 'EDQUOT'])
const IO = new Set(['EIO', 'EROFS'])
/** Native stores (lmdb) report the errno as a number. */
const BY_NUMBER: Record<number, string> = { 5: 'EIO', 28: 'ENOSPC', 30: 'EROFS', 122: 'EDQUOT' }

/** The errno code of a Node error, or of the error that caused it. */
export function errnoOf(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 5; depth++) {
    const raw = (cur as { code?: unknown }).code
    const code = typeof raw === 'number' ? BY_NUMBER[raw] : raw
    if (typeof code === 'string' && (FULL.has(code) || IO.has(code))) return code
    const msg = (cur as Error).message
    if (typeof msg === 'string') {
      const m = /\b(ENOSPC|EDQUOT|EIO|EROFS)\b/.exec(msg)
      if (m) return m[1]
      if (/No space left on device|disk full|quota exceeded/i.test(msg)) return 'ENOSPC'
      if (/Input\/output error/i.test(msg)) return 'EIO'
    }
    cur = (cur as { cause?: unknown }).cause
  }
  return undefined
}

export function isDiskError(e: unknown): boolean {
  return errnoOf(e) !== undefined
}

/**
 * `e` as DISK_FULL / DISK_IO_ERROR when it is a raw disk error, naming `where` and what was being done;
 * any other error unchanged.
 */
export function diskError(e: unknown, where: string | undefined, doing: string): unknown {
  // Errors of ours already say what happened (a corrupt file, an option); only raw ones are named here.
  if (e instanceof TributaryError) return e
  const code = errnoOf(e)
  if (code === undefined) return e
  const place = (e as NodeJS.ErrnoException).path ?? where ?? 'the checkpoint'
  // LMDB reports a full disk as EIO: an I/O error on a disk with (almost) no space left is that.
  const full = FULL.has(code) || (code === 'EIO' && nearlyFull(place))
  const tail =
    ' The checkpoint is left as it was before this write: no batch is half committed. ' +
    (full
      ? 'Free space on that disk (or move the checkpoint or output to a larger one) and restart the query; it goes on from the last committed batch with exact output.'
      : 'Check the disk (dmesg, SMART), then restart the query; it goes on from the last committed batch.')
  return new StorageError(
    `${full ? 'DISK_FULL' : 'DISK_IO_ERROR'}: could not ${doing} at ${place}: ${full ? 'no space left on the device' : 'the device reported an input/output error'} (${code}).${tail}`,
    full ? 'DISK_FULL' : 'DISK_IO_ERROR',
    { cause: e },
  )
}

/** Bytes free for this process on the file system of `p` (or its nearest existing parent). */
export function freeBytes(p: string): number | undefined {
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      const s = statfsSync(dir)
      return s.bavail * s.bsize
    } catch {
      if (path.dirname(dir) === dir) return undefined
    }
  }
}

function nearlyFull(p: string): boolean {
  const free = freeBytes(p)
  return free !== undefined && free < 4 * 2 ** 20
}

/** Runs `write`, turning a disk error into DISK_FULL / DISK_IO_ERROR naming `where`. */
export async function namedDiskErrors<T>(where: string, doing: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (e) {
    if (e instanceof TributaryError) throw e
    throw diskError(e, where, doing)
  }
}
