/**
 * Exactly once under SIGKILL with the query on worker threads: the process is killed while
 * a worker runs stage 1 or stage 2, while a worker writes a state delta or snapshot,
 * and around the sink and the commit log. The final result must equal the batch answer.
 * (A kill inside a worker thread kills the whole process, as a power cut would.)
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir } from '../helpers.js'
import { runToCompletion, verdictOf } from './crash-harness.js'
import type { CrashQuery } from './crash-query.js'

type Case = [
  title: string,
  query: Omit<CrashQuery, 'checkpoint' | 'out' | 'total' | 'perBatch'>,
  kills: string[],
]

const cases: Case[] = [
  [
    'aggregation on 2 threads, update mode, transactional sink, memory state',
    { shape: 'aggregate', outputMode: 'update', sink: 'transactional', source: 'counting', threads: 2 },
    ['workerMap:2', 'workerReduce:3/1', 'tempWritten:4.delta', 'beforeCommitLog:6'],
  ],
  [
    'windowed aggregation on 3 threads, append mode, csv file sink, lmdb state',
    { shape: 'window', outputMode: 'append', sink: 'csv', source: 'counting', threads: 3, provider: 'lmdb' },
    ['workerReduce:2/0', 'lmdbCommit:3/4', 'sinkRows:5'],
  ],
]

describe('exactly once under SIGKILL: queries on worker threads', () => {
  for (const [title, shape, kills] of cases) {
    it(`${title}: kills at ${kills.join(', ')}`, async () => {
      const dir = tempDir()
      const q: CrashQuery = {
        ...shape,
        checkpoint: path.join(dir, 'ckpt'),
        out: path.join(dir, 'out'),
        total: 90,
        perBatch: 10,
      }
      const runs = await runToCompletion(q, kills)
      expect(runs.slice(0, -1).map((r) => `${r.kill} ${r.signal}`)).toEqual(kills.map((k) => `${k} SIGKILL`))
      const v = await verdictOf(q, newSession())
      expect(v.problems).toEqual([])
      expect(v.duplicates).toBe(0)
      expect(v.losses).toBe(0)
      expect(v.found).toBe(v.expected)
    }, 300_000)
  }
})
