/**
 * Two real processes on one checkpoint (issue #13 §1): a rolling deploy that overlaps two
 * runs, and a restart racing a process that is being killed. Each round starts two
 * children of the same query at nearly the same moment, sometimes killing the first at a
 * random moment; the loser of the lock must stop with CHECKPOINT_LOCKED and write
 * nothing. Whatever happened, the output must be every row exactly once and the file
 * sink's log must hold each batch id once.
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir } from '../helpers.js'
import { type Run, runChild, verdictOf } from './crash-harness.js'
import type { CrashQuery } from './crash-query.js'

/** The streaming batch ids in the file sink's log, in id order (a repeat is a double commit). */
function sinkLogBatches(out: string): number[] {
  const dir = path.join(out, '_tributary_metadata')
  return readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(a) - Number(b))
    .map(
      (n) =>
        (JSON.parse(readFileSync(path.join(dir, n), 'utf8').split('\n')[1]) as { batchId: number }).batchId,
    )
}

function outcome(r: Run): 'finished' | 'killed' | 'locked' {
  if (r.exitCode === 0) return 'finished'
  if (r.signal === 'SIGKILL') return 'killed'
  if (/CHECKPOINT_LOCKED/.test(r.stderr)) return 'locked'
  throw new Error(`a child failed for another reason (exit ${r.exitCode}, signal ${r.signal}):\n${r.stderr}`)
}

describe('two processes on one checkpoint', () => {
  it('racing starts and kills: exactly once, each sink batch committed once', async () => {
    const seen = { finished: 0, killed: 0, locked: 0 }
    const rounds = 6
    for (let round = 0; round < rounds; round++) {
      const dir = tempDir()
      const q: CrashQuery = {
        checkpoint: path.join(dir, 'ckpt'),
        out: path.join(dir, 'out'),
        shape: round % 2 === 0 ? 'stateless' : 'aggregate',
        outputMode: round % 2 === 0 ? 'append' : 'update',
        sink: round % 2 === 0 ? 'json' : 'transactional',
        source: 'counting',
        total: 300,
        perBatch: 10,
        provider: 'memory',
      }
      // Odd rounds: the first run is killed at a random moment while the second starts.
      const kill = round % 3 === 1 ? { killAfterMs: 50 + ((round * 97) % 200) } : {}
      const [a, b] = await Promise.all([
        runChild(q, null, { ...kill, timeoutMs: 60_000 }),
        runChild(q, null, { timeoutMs: 60_000 }),
      ])
      for (const r of [a, b]) seen[outcome(r)]++
      // Then runs until one finishes (the query is at its end or goes on from its checkpoint).
      let last = a.exitCode === 0 || b.exitCode === 0 ? null : await runChild(q, null, { timeoutMs: 60_000 })
      while (last && outcome(last) !== 'finished') last = await runChild(q, null, { timeoutMs: 60_000 })
      const v = await verdictOf(q, newSession())
      expect(v.problems, `round ${round}`).toEqual([])
      expect(v, `round ${round}`).toMatchObject({ duplicates: 0, losses: 0 })
      if (q.sink === 'json') {
        const ids = sinkLogBatches(q.out)
        expect(ids, `round ${round}: sink log`).toEqual([...new Set(ids)].sort((x, y) => x - y))
      }
    }
    // Printed so that a run where the processes never overlapped is visible.
    console.log(`overlapping runs: ${JSON.stringify(seen)}`)
    expect(seen.finished).toBeGreaterThan(0)
  }, 240_000)
})
