/**
 * Crash-safe file writes: write a temporary file, fsync it, rename it over the target,
 * fsync the directory. A reader sees the old file or the new one, never half of one.
 */
import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { diskError } from '../util/disk-errors.js'
import { killPoint } from '../util/kill-point.js'

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Writes `content` to `file` atomically. With `exclusive`, fails if the file exists (EEXIST).
 * With `sync` false (tributary.checkpoint.fsync=false) neither the file nor its folder is
 * fsynced: the rename still makes the write all-or-nothing for other processes and across a
 * crash of this process, but not across a crash of the machine (docs/guarantees.md).
 * A full or failing disk gives DISK_FULL / DISK_IO_ERROR naming `file`, and leaves `file`
 * as it was (the temporary copy is removed, so that it does not hold on to the space).
 */
export async function atomicWrite(
  file: string,
  content: string | Uint8Array,
  exclusive = false,
  sync = true,
): Promise<void> {
  try {
    await writeAtomically(file, content, exclusive, sync)
  } catch (e) {
    throw diskError(e, file, 'write')
  }
}

async function writeAtomically(
  file: string,
  content: string | Uint8Array,
  exclusive: boolean,
  sync: boolean,
): Promise<void> {
  const dir = path.dirname(file)
  await fs.mkdir(dir, { recursive: true })
  const tmp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`)
  const handle = await fs.open(tmp, 'wx')
  try {
    await handle.writeFile(content)
    if (sync) await handle.sync()
  } catch (e) {
    await handle.close().catch(() => {})
    await fs.rm(tmp, { force: true }).catch(() => {})
    throw e
  }
  await handle.close()
  // Crash tests: a kill here leaves a complete temporary file that must never count.
  killPoint('tempWritten', file)
  try {
    if (exclusive) {
      // link() fails when the target exists, which rename() would silently replace.
      await fs.link(tmp, file)
      await fs.unlink(tmp)
    } else {
      await fs.rename(tmp, file)
    }
  } catch (e) {
    await fs.rm(tmp, { force: true })
    throw e
  }
  if (sync) await fsyncDir(dir)
}

/** Temporary files left by a crash in the middle of atomicWrite. */
export function isTemporaryFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp')
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p)
    return true
  } catch {
    return false
  }
}
