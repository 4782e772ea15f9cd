/**
 * The checkpoint lock, `<checkpoint>/lock`: one running query per checkpoint. Two
 * processes replaying one checkpoint (a rolling deploy, a restart racing a dying process)
 * would each run the same batches; the second one is refused at start instead.
 *
 * The file holds who took it (pid, host, run id) and is created exclusively. Its holder
 * touches it every `leaseMs / 3` (the heartbeat). Another process takes the lock over
 * only when it is stale:
 *   - its holder ran on this host and that pid is gone (a crash, a kill -9): at once;
 *   - or its heartbeat is older than the lease (a holder on another host, or a pid that
 *     was reused): after the lease.
 * A takeover runs under a second, short-lived exclusive file (`lock.takeover`), so that
 * two processes finding the same stale lock cannot both take it. A holder that finds its
 * lock taken over (it stalled longer than the lease) stops at its next batch instead of
 * writing to the checkpoint.
 */
import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { hostname } from 'node:os'
import * as path from 'node:path'
import { diskError } from '../util/disk-errors.js'
import { CheckpointError, OptionError } from '../util/errors.js'

export const LOCK_FILE = 'lock'
export const DEFAULT_LOCK_LEASE_MS = 30_000

export interface LockHolder {
  readonly pid: number
  readonly host: string
  readonly runId: string
  readonly queryName: string | null
  readonly acquiredAt: string
  readonly leaseMs: number
}

export interface LockOptions {
  readonly runId: string
  readonly queryName: string | null
  /** How long a lock may go without a heartbeat before another process may take it. */
  readonly leaseMs?: number
  /** How long to wait for a live holder to let go before failing with CHECKPOINT_LOCKED. */
  readonly waitMs?: number
}

/** The lock's settings from the session (tributary.streaming.checkpointLock.*), checked. */
export function lockSettings(conf: (key: string) => string | undefined): {
  leaseMs?: number
  waitMs?: number
} {
  return {
    leaseMs: confMs(conf, 'tributary.streaming.checkpointLock.leaseMs'),
    waitMs: confMs(conf, 'tributary.streaming.checkpointLock.waitMs'),
  }
}

/** A millisecond setting, or undefined when unset; anything but a non-negative number is refused. */
function confMs(conf: (key: string) => string | undefined, key: string): number | undefined {
  const v = conf(key)
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new OptionError(
      `INVALID_OPTION: ${key} is '${v}'; it takes a number of milliseconds (0 or more). Set it with session.conf.set('${key}', 30000).`,
      'INVALID_OPTION',
    )
  }
  return n
}

type Probe =
  | { kind: 'free' }
  | { kind: 'held'; holder: LockHolder | null; why: string }
  | { kind: 'stale'; text: string }

export class CheckpointLock {
  private timer: NodeJS.Timeout | null = null
  private lostTo: string | null = null
  private released = false

  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /** Takes the lock on `checkpointDir`, or throws CHECKPOINT_LOCKED naming the holder. */
  static async acquire(checkpointDir: string, opts: LockOptions): Promise<CheckpointLock> {
    const file = path.join(checkpointDir, LOCK_FILE)
    const leaseMs = opts.leaseMs ?? DEFAULT_LOCK_LEASE_MS
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      runId: opts.runId,
      queryName: opts.queryName,
      acquiredAt: new Date().toISOString(),
      leaseMs,
    }
    const text = `${JSON.stringify(holder)}\n`
    try {
      await fs.mkdir(checkpointDir, { recursive: true })
    } catch (e) {
      throw diskError(e, checkpointDir, 'create the checkpoint folder')
    }
    const deadline = Date.now() + (opts.waitMs ?? 0)
    for (;;) {
      if (await createExclusive(file, text)) break
      const probe = await probeLock(file)
      if (probe.kind === 'stale' && (await takeOver(file, probe.text, text))) break
      if (probe.kind === 'held' && Date.now() >= deadline) throw lockedError(checkpointDir, file, probe)
      await new Promise((r) => setTimeout(r, 100))
    }
    const lock = new CheckpointLock(file, holder)
    lock.startHeartbeat()
    return lock
  }

  private startHeartbeat(): void {
    const every = Math.max(50, Math.floor(this.holder.leaseMs / 3))
    this.timer = setInterval(() => void this.beat(), every)
    this.timer.unref()
  }

  private async beat(): Promise<void> {
    if (this.released || this.lostTo !== null) return
    const mine = await this.isMine()
    if (!mine.ok) {
      this.lostTo = mine.why
      return
    }
    const now = new Date()
    await fs.utimes(this.file, now, now).catch(() => {})
  }

  private async isMine(): Promise<{ ok: true } | { ok: false; why: string }> {
    let text: string
    try {
      text = await fs.readFile(this.file, 'utf8')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return { ok: false, why: `${this.file} was removed` }
      // A read that fails for another reason (EIO, EMFILE) proves nothing: keep going.
      return { ok: true }
    }
    const h = parseHolder(text)
    if (h?.runId === this.holder.runId) return { ok: true }
    return { ok: false, why: `${this.file} is now held by ${describeHolder(h)}` }
  }

  /**
   * Throws CHECKPOINT_LOCK_LOST when another process took the lock over; called before
   * each write to the offset and commit logs.
   */
  async assertHeld(): Promise<void> {
    if (this.lostTo === null) {
      const mine = await this.isMine()
      if (!mine.ok) this.lostTo = mine.why
    }
    if (this.lostTo !== null) {
      throw new CheckpointError(
        `CHECKPOINT_LOCK_LOST: this query (runId ${this.holder.runId}) no longer holds the checkpoint lock: ${this.lostTo}. It went longer than the lease (${this.holder.leaseMs} ms) without a heartbeat, so another process took the checkpoint over; this one stops without writing to it. Give the process more CPU or raise tributary.streaming.checkpointLock.leaseMs.`,
        'CHECKPOINT_LOCK_LOST',
      )
    }
  }

  /** Lets go of the lock (only if it is still ours). */
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    if (this.timer) clearInterval(this.timer)
    if ((await this.isMine()).ok) await fs.rm(this.file, { force: true }).catch(() => {})
  }
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  try {
    await fs.writeFile(file, text, { flag: 'wx' })
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    // A lock file we could not fill (full disk) must not block the next start.
    await fs.rm(file, { force: true }).catch(() => {})
    throw diskError(e, file, 'create the checkpoint lock')
  }
}

export function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as LockHolder
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.runId === 'string') return h
  } catch {}
  return null
}

function describeHolder(h: LockHolder | null): string {
  if (!h) return 'an unknown holder (the lock file cannot be read)'
  return `pid ${h.pid} on host ${h.host} (runId ${h.runId}${h.queryName ? `, query '${h.queryName}'` : ''}, since ${h.acquiredAt})`
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the pid exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

async function probeLock(file: string): Promise<Probe> {
  let text: string
  let mtimeMs: number
  try {
    text = await fs.readFile(file, 'utf8')
    mtimeMs = (await fs.stat(file)).mtimeMs
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' }
    throw diskError(e, file, 'read the checkpoint lock')
  }
  const holder = parseHolder(text)
  const leaseMs = holder?.leaseMs ?? DEFAULT_LOCK_LEASE_MS
  const age = Date.now() - mtimeMs
  if (holder && holder.host === hostname() && !pidAlive(holder.pid)) return { kind: 'stale', text }
  // A torn or empty lock file (a crash while creating it) is stale once its lease is over.
  if (age > leaseMs) return { kind: 'stale', text }
  const why =
    holder && holder.host === hostname()
      ? 'that process is alive'
      : `its last heartbeat was ${Math.round(age / 1000)} s ago; it is stale after ${Math.round(leaseMs / 1000)} s without one`
  return { kind: 'held', holder, why }
}

/**
 * Replaces a stale lock with ours. Under `lock.takeover` (exclusive) the lock is read
 * again: only if it still holds the same stale content is it replaced, so of two
 * processes that found the same stale lock, exactly one takes it.
 */
async function takeOver(file: string, staleText: string, ourText: string): Promise<boolean> {
  const guard = `${file}.takeover`
  const guardText = `${JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now(), id: randomUUID() })}\n`
  if (!(await createExclusive(guard, guardText))) {
    // A guard left by a process that died during a takeover (a few file operations) goes after 10 s.
    const st = await fs.stat(guard).catch(() => null)
    if (st && Date.now() - st.mtimeMs > 10_000) await fs.rm(guard, { force: true })
    return false
  }
  try {
    const now = await fs.readFile(file, 'utf8').catch(() => null)
    if (now !== null && now !== staleText) return false
    await fs.rm(file, { force: true })
    return await createExclusive(file, ourText)
  } finally {
    await fs.rm(guard, { force: true })
  }
}

function lockedError(checkpointDir: string, file: string, probe: Probe & { kind: 'held' }): CheckpointError {
  return new CheckpointError(
    `CHECKPOINT_LOCKED: the checkpoint at ${checkpointDir} is in use by ${describeHolder(probe.holder)}: ${probe.why}. Two runs of a query must not share a checkpointLocation. Stop the other run (or wait for it to finish); a lock left by a process that died is taken over at once on the same host, and after the lease elsewhere. Lock file: ${file}.`,
    'CHECKPOINT_LOCKED',
  )
}
