/**
 * Exactly once under SIGKILL: a stateless query in a child process is killed at each step
 * of the micro-batch protocol (before and after the offset log, inside a source read,
 * inside an operator, in the middle of and after the sink write, before and after the
 * commit log, with checkpoint files half renamed), restarted on the same checkpoint until
 * it finishes, and its output must hold every input row exactly once. Stateful shapes are
 * in crash-stateful.test.ts, file sinks in crash-file-sinks.test.ts, random kills in
 * soak.test.ts.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir } from '../helpers.js'
import { deliveries, runToCompletion, verdictOf } from './crash-harness.js'
import type { CrashQuery } from './crash-query.js'

function stateless(): CrashQuery {
  const dir = tempDir()
  return {
    checkpoint: path.join(dir, 'ckpt'),
    out: path.join(dir, 'out'),
    shape: 'stateless',
    outputMode: 'append',
    sink: 'foreachBatch',
    source: 'counting',
    total: 80,
    perBatch: 10,
  }
}

const replays = (ids: number[]) => ids.length - new Set(ids).size

describe('exactly once under SIGKILL (stateless, idempotent foreachBatch)', () => {
  it('kills inside a source read, an operator, a torn sink write, after the sink write, after the commit log', async () => {
    const q = stateless()
    const runs = await runToCompletion(q, [
      'sourceRead:1',
      'operator:25',
      'sinkRows:3',
      'sinkDone:4',
      'afterCommitLog:5',
    ])
    expect(runs.slice(0, -1).map((r) => r.signal)).toEqual(Array(5).fill('SIGKILL'))
    const v = await verdictOf(q, newSession())
    expect(v.problems).toEqual([])
    expect(v).toMatchObject({ expected: 80, found: 80, duplicates: 0, losses: 0 })
    // Only a kill between the sink write and the commit log hands a batch to the sink twice.
    expect(replays(deliveries(q))).toBe(2)
  })

  it('kills around the write-ahead log, the sink and the commit log, and with their files half renamed', async () => {
    const q = stateless()
    const kills = [
      'tempWritten:metadata',
      'beforeOffsetLog:1',
      'afterOffsetLog:2',
      'tempWritten:offsets/3',
      'beforeSink:3',
      'afterSink:4',
      'beforeCommitLog:5',
      'tempWritten:commits/6',
    ]
    const runs = await runToCompletion(q, kills)
    expect(runs.slice(0, -1).map((r) => r.signal)).toEqual(Array(kills.length).fill('SIGKILL'))
    const v = await verdictOf(q, newSession())
    expect(v.problems).toEqual([])
    expect(v).toMatchObject({ expected: 80, found: 80, duplicates: 0, losses: 0 })
    // afterSink:4, beforeCommitLog:5 and the torn commits/6 each replay their batch.
    expect(replays(deliveries(q))).toBe(3)
  })
})
