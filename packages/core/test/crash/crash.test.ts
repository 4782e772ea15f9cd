/**
 * Exactly once under SIGKILL: a query in a child process is killed at chosen points
 * (inside a source read, inside an operator, in the middle of and after a sink write,
 * after a commit) and at random moments, then restarted on the same checkpoint until it
 * finishes. The output must hold every input row exactly once.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

interface Run {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

function runChild(
  checkpoint: string,
  out: string,
  total: number,
  perBatch: number,
  kill: string,
  sink = 'foreachBatch',
): Run {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', child, checkpoint, out, String(total), String(perBatch), kill, sink],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    },
  )
  return { exitCode: r.status, signal: r.signal, stderr: r.stderr }
}

/** Runs with the kill point, then restarts without one until the query finishes. */
function runToCompletion(
  checkpoint: string,
  out: string,
  total: number,
  perBatch: number,
  kills: string[],
): Run[] {
  const runs: Run[] = []
  for (const k of [...kills, 'none']) {
    const r = runChild(checkpoint, out, total, perBatch, k)
    runs.push(r)
    if (r.exitCode !== 0 && r.signal !== 'SIGKILL') throw new Error(`child failed (${k}): ${r.stderr}`)
  }
  return runs
}

function outputIds(out: string): number[] {
  return readdirSync(out)
    .filter((f) => /^batch-\d+\.json$/.test(f))
    .flatMap((f) =>
      (JSON.parse(readFileSync(path.join(out, f), 'utf8')) as { id: number }[]).map((r) => r.id),
    )
    .sort((a, b) => a - b)
}

const allIds = (n: number) => Array.from({ length: n }, (_, i) => i)

describe('exactly once under SIGKILL', () => {
  const points = ['getBatch', 'operator', 'sinkMid', 'sinkEnd', 'afterCommit'] as const
  for (const point of points) {
    it(`kill ${point} in batch 2, restart: every row exactly once`, () => {
      const dir = tempDir()
      const out = path.join(dir, 'out')
      const runs = runToCompletion(path.join(dir, 'ckpt'), out, 50, 10, [`${point}:2`])
      expect(runs[0].signal).toBe('SIGKILL')
      expect(runs[runs.length - 1].exitCode).toBe(0)
      expect(outputIds(out)).toEqual(allIds(50))
      const deliveries = readFileSync(path.join(dir, 'out.deliveries'), 'utf8').trim().split('\n').map(Number)
      // A kill inside or after the sink write, before the commit, replays that batch once.
      const replays = deliveries.length - new Set(deliveries).size
      expect(replays).toBe(point === 'sinkMid' || point === 'sinkEnd' ? 1 : 0)
    })
  }

  it('random kills at random moments, seeded: every row exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 150, max: 900 }), { minLength: 1, maxLength: 3 }), (delays) => {
        const dir = tempDir()
        const out = path.join(dir, 'out')
        runToCompletion(
          path.join(dir, 'ckpt'),
          out,
          400,
          7,
          delays.map((d) => `random:${d}`),
        )
        expect(outputIds(out)).toEqual(allIds(400))
        expect(existsSync(path.join(dir, 'ckpt', 'offsets'))).toBe(true)
      }),
      { numRuns: 4, seed: 20261122 },
    )
  })
})
