/**
 * A short critical section between processes: an exclusively created file, removed at the
 * end. For a few file operations only (the holder never waits on anything else inside), so
 * a mutex file older than `staleMs`, or left by a dead process on this host, is taken over.
 */
import { promises as fs } from 'node:fs'
import { hostname } from 'node:os'
import { diskError } from '../util/disk-errors.js'

export interface MutexOptions {
  /** Give up after this long (the caller names the contention). */
  readonly waitMs: number
  readonly staleMs?: number
}

/** Runs `fn` holding the mutex file; undefined when it could not be taken within waitMs. */
export async function withFileMutex<T>(
  file: string,
  opts: MutexOptions,
  fn: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  const staleMs = opts.staleMs ?? 10_000
  const me = `${JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() })}\n`
  const deadline = Date.now() + opts.waitMs
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      await fs.writeFile(file, me, { flag: 'wx' })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        await fs.rm(file, { force: true }).catch(() => {})
        throw diskError(e, file, 'create a lock file')
      }
    }
    await removeIfStale(file, staleMs)
    if (Date.now() >= deadline) return undefined
    await new Promise((r) => setTimeout(r, wait))
  }
  try {
    return { value: await fn() }
  } finally {
    await fs.rm(file, { force: true })
  }
}

async function removeIfStale(file: string, staleMs: number): Promise<void> {
  let text: string
  let mtimeMs: number
  try {
    text = await fs.readFile(file, 'utf8')
    mtimeMs = (await fs.stat(file)).mtimeMs
  } catch {
    return
  }
  let deadHolder = false
  try {
    const h = JSON.parse(text) as { pid: number; host: string }
    if (h.host === hostname()) {
      try {
        process.kill(h.pid, 0)
      } catch (e) {
        deadHolder = (e as NodeJS.ErrnoException).code === 'ESRCH'
      }
    }
  } catch {}
  if (!deadHolder && Date.now() - mtimeMs <= staleMs) return
  // Remove only the file we judged: rename is atomic, so of two processes removing it, one does.
  const aside = `${file}.${process.pid}.${Date.now()}.stale`
  try {
    await fs.rename(file, aside)
  } catch {
    return
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => '')
  // Another process replaced the stale file with its own in between: put that one back.
  if (moved !== text) await fs.link(aside, file).catch(() => {})
  await fs.rm(aside, { force: true })
}
