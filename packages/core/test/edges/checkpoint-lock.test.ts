/**
 * The checkpoint lock (docs/guarantees.md, "Concurrent runs"): one run per checkpoint; a
 * second run is refused with CHECKPOINT_LOCKED naming the holder; a lock left by a dead
 * process is taken over at once on this host, a foreign one only after its lease; of
 * several processes finding one stale lock, exactly one takes it.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CheckpointLock, parseHolder } from '../../src/checkpoint/checkpoint-lock.js'
import { col, count, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const opts = (runId: string) => ({ runId, queryName: 'q', leaseMs: 60_000 })

/** A pid that surely belongs to no process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  })
  return Number(r.stdout)
}

function plantLock(dir: string, holder: Record<string, unknown>, ageMs: number): void {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'lock')
  writeFileSync(file, `${JSON.stringify(holder)}\n`)
  const t = new Date(Date.now() - ageMs)
  utimesSync(file, t, t)
}

describe('checkpoint lock', () => {
  it('refuses a second holder with CHECKPOINT_LOCKED naming pid and host, and frees on release', async () => {
    const dir = tempDir()
    const first = await CheckpointLock.acquire(dir, opts('run-1'))
    const err = await CheckpointLock.acquire(dir, opts('run-2')).catch(
      (e: unknown) => e as Error & { code: string },
    )
    expect(err).toMatchObject({ code: 'CHECKPOINT_LOCKED' })
    expect((err as Error).message).toContain(`pid ${process.pid} on host ${hostname()}`)
    expect((err as Error).message).toContain('runId run-1')
    await first.release()
    const second = await CheckpointLock.acquire(dir, opts('run-2'))
    expect(parseHolder(readFileSync(path.join(dir, 'lock'), 'utf8'))?.runId).toBe('run-2')
    await second.release()
  })

  it('takes over at once a lock whose holder on this host is dead, even with a fresh heartbeat', async () => {
    const dir = tempDir()
    plantLock(
      dir,
      { pid: deadPid(), host: hostname(), runId: 'dead', queryName: null, acquiredAt: 'x', leaseMs: 60_000 },
      0,
    )
    const lock = await CheckpointLock.acquire(dir, opts('alive'))
    expect(lock.holder.runId).toBe('alive')
    await lock.release()
  })

  it('waits out the lease of a holder on another host, then takes over', async () => {
    const dir = tempDir()
    const holder = {
      pid: 1,
      host: 'elsewhere.example',
      runId: 'far',
      queryName: null,
      acquiredAt: 'x',
      leaseMs: 60_000,
    }
    plantLock(dir, holder, 1_000)
    const err = (await CheckpointLock.acquire(dir, opts('near')).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(
      /CHECKPOINT_LOCKED: .*pid 1 on host elsewhere\.example.*last heartbeat was 1 s ago/,
    )
    plantLock(dir, holder, 61_000)
    const lock = await CheckpointLock.acquire(dir, opts('near'))
    expect(lock.holder.runId).toBe('near')
    await lock.release()
  })

  it('of many racers for one stale lock, exactly one wins, every time', async () => {
    const dead = deadPid()
    for (let round = 0; round < 15; round++) {
      const dir = tempDir()
      plantLock(
        dir,
        { pid: dead, host: hostname(), runId: 'dead', queryName: null, acquiredAt: 'x', leaseMs: 60_000 },
        0,
      )
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => CheckpointLock.acquire(dir, opts(`racer-${i}`))),
      )
      const winners = results.filter((r) => r.status === 'fulfilled')
      expect(winners.length, `round ${round}`).toBe(1)
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('CHECKPOINT_LOCKED')
      }
      const held = parseHolder(readFileSync(path.join(dir, 'lock'), 'utf8'))
      const winner = (winners[0] as PromiseFulfilledResult<CheckpointLock>).value
      expect(held?.runId).toBe(winner.holder.runId)
      await winner.release()
    }
  })

  it('a holder whose lock was taken over stops with CHECKPOINT_LOCK_LOST before writing', async () => {
    const dir = tempDir()
    const lock = await CheckpointLock.acquire(dir, opts('slow'))
    await lock.assertHeld()
    // What a takeover after a long stall leaves: someone else's lock.
    writeFileSync(
      path.join(dir, 'lock'),
      `${JSON.stringify({ pid: 2, host: 'h', runId: 'new', leaseMs: 1 })}\n`,
    )
    await expect(lock.assertHeld()).rejects.toMatchObject({ code: 'CHECKPOINT_LOCK_LOST' })
    await lock.release()
    // Release leaves the new holder's lock alone.
    expect(parseHolder(readFileSync(path.join(dir, 'lock'), 'utf8'))?.runId).toBe('new')
  })

  it('a second query on a running query’s checkpoint is refused at start(); after stop() it starts', async () => {
    const dir = tempDir()
    const session = newSession()
    const input = new MemoryStream(session, schema({ k: 'string' }))
    input.addData([{ k: 'a' }])
    const q = () =>
      input
        .toDF()
        .groupBy(col('k'))
        .agg(count('*').alias('n'))
        .writeStream.outputMode('complete')
        .format('memory')
        .queryName(`counts_${Math.random().toString(36).slice(2)}`)
        .option('checkpointLocation', path.join(dir, 'ckpt'))
    const running = await q().start()
    await running.processAllAvailable()
    const err = (await q()
      .start()
      .catch((e: unknown) => e)) as Error & { code: string }
    expect(err.code).toBe('CHECKPOINT_LOCKED')
    expect(err.message).toContain(`runId ${running.runId}`)
    await running.stop()
    const again = await q().start()
    await again.processAllAvailable()
    await again.stop()
  })

  it('refuses an unusable lease setting', async () => {
    const dir = tempDir()
    const session = newSession({ 'tributary.streaming.checkpointLock.leaseMs': 'soon' })
    const input = new MemoryStream(session, schema({ k: 'string' }))
    const err = (await input
      .toDF()
      .writeStream.format('memory')
      .queryName('lease_setting')
      .option('checkpointLocation', dir)
      .start()
      .catch((e: unknown) => e)) as Error
    expect(err.message).toContain("INVALID_OPTION: tributary.streaming.checkpointLock.leaseMs is 'soon'")
  })
})
