/**
 * Exactly once under SIGKILL with the query on worker threads: the process is killed while
 * a worker runs stage 1 or stage 2, while a worker writes a state delta or snapshot,
 * and around the sink and the commit log. The final result must equal the batch answer.
 * (A kill inside a worker thread kills the whole process, as a power cut would.)
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir } from '../helpers.js'
import { runToCompletion, verdictOf, writeInputFiles } from './crash-harness.js'
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

describe('exactly once under SIGKILL: files read and written by worker threads', () => {
  it('JSON files → parquet on 2 threads, partitioned: killed after a worker wrote its part files, before and while the sink log commits', async () => {
    const dir = tempDir()
    const q: CrashQuery = {
      checkpoint: path.join(dir, 'ckpt'),
      out: path.join(dir, 'out'),
      input: path.join(dir, 'in'),
      shape: 'stateless',
      outputMode: 'append',
      sink: 'parquet',
      source: 'files',
      builtinFormats: true,
      partitionBy: true,
      threads: 2,
      conf: { 'tributary.executor.minWorkerReadBytes': '0' },
      total: 100,
      perBatch: 10,
    }
    writeInputFiles(q)
    // Ten files, two per batch (one per worker): batches 0 to 4.
    const kills = ['workerWrote:1', 'beforeSink:2', 'tempWritten:_tributary_metadata/3', 'workerMap:4']
    const runs = await runToCompletion(q, kills)
    expect(runs.slice(0, -1).map((r) => `${r.kill} ${r.signal}`)).toEqual(kills.map((k) => `${k} SIGKILL`))
    const v = await verdictOf(q, newSession())
    expect(v.problems).toEqual([])
    expect(v).toMatchObject({ expected: 100, found: 100, duplicates: 0, losses: 0 })
  }, 300_000)
})
