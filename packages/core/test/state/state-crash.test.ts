/**
 * SIGKILL right after a state store partition committed a batch's version, before the
 * other partitions and the commit log: the restarted query replays the batch from the
 * state the batch first ran on, and every output equals that of a run without a crash.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.js'

const child = fileURLToPath(new URL('./state-crash-child.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

function run(checkpoint: string, out: string, provider: string, kill: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, checkpoint, out, provider, kill], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (r.status !== 0 && r.signal !== 'SIGKILL')
    throw new Error(`child failed (${provider}, ${kill}): ${r.stderr}`)
  return r.signal
}

function outputs(out: string): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(out)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(path.join(out, f), 'utf8'))]),
  )
}

describe.each(['memory', 'lmdb', 'level'])('crash after a state commit (%s provider)', (provider) => {
  it('replays the batch from the right state version, for a kill after one partition or after all', () => {
    const dir = tempDir()
    const clean = path.join(dir, 'clean')
    expect(run(path.join(dir, 'ckpt-clean'), clean, provider, 'none')).toBeNull()
    const expected = outputs(clean)
    expect(Object.keys(expected)).toHaveLength(6)
    // Partition 0 of 4 is the first to commit, partition 3 the last.
    for (const kill of ['2:0', '4:3']) {
      const out = path.join(dir, `out-${kill}`)
      const checkpoint = path.join(dir, `ckpt-${kill}`)
      expect(run(checkpoint, out, provider, kill)).toBe('SIGKILL')
      expect(run(checkpoint, out, provider, 'none')).toBeNull()
      expect(outputs(out)).toEqual(expected)
    }
  })
})
