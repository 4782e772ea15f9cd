/**
 * Exactly once for stateful queries under SIGKILL: aggregation in update, complete and
 * append (windowed) mode, deduplication, mapGroupsWithState and a stream-stream join, on both state providers,
 * killed inside operators, while state delta and snapshot files are being written, inside
 * an LMDB transaction, in the middle of a sink transaction and around the commit log. The
 * final result must equal the batch answer (in update mode, the last value of each key).
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
    'aggregation, update mode, transactional sink, memory state',
    { shape: 'aggregate', outputMode: 'update', sink: 'transactional', source: 'counting' },
    // Batch b commits state version b+1; a snapshot every 3 versions.
    [
      'operator:15',
      'tempWritten:2.delta',
      'tempWritten:3.snapshot',
      'sinkRows:4',
      'afterSink:5',
      'beforeCommitLog:6',
    ],
  ],
  [
    'aggregation, complete mode, foreachBatch, lmdb state',
    {
      shape: 'aggregate',
      outputMode: 'complete',
      sink: 'foreachBatch',
      source: 'counting',
      provider: 'lmdb',
    },
    ['afterOffsetLog:1', 'lmdbCommit:2/3', 'lmdbCommit:0/5', 'afterSink:6', 'afterCommitLog:7'],
  ],
  [
    'windowed aggregation, append mode, csv file sink, memory state',
    { shape: 'window', outputMode: 'append', sink: 'csv', source: 'counting' },
    // Batch b closes the window [10(b-2), 10(b-1)) seconds: every batch from 2 on writes a file.
    ['sinkFile:3', 'sinkRows:4', 'tempWritten:_tributary_metadata/5', 'afterSink:6', 'tempWritten:8.delta'],
  ],
  [
    'deduplication, append mode, json file sink, memory state',
    { shape: 'dedup', outputMode: 'append', sink: 'json', source: 'counting' },
    [
      'operator:13',
      'sinkRows:2',
      'tempWritten:_tributary_metadata/3',
      'tempWritten:6.snapshot',
      'afterSink:6',
    ],
  ],
  [
    'mapGroupsWithState, update mode, foreachBatch, lmdb state',
    { shape: 'mapGroups', outputMode: 'update', sink: 'foreachBatch', source: 'counting', provider: 'lmdb' },
    ['sourceRead:2', 'lmdbCommit:1/4', 'sinkDone:5', 'afterCommitLog:6'],
  ],
  [
    'aggregation, update mode, transactional sink, level state',
    {
      shape: 'aggregate',
      outputMode: 'update',
      sink: 'transactional',
      source: 'counting',
      provider: 'level',
    },
    // The level provider commits a version in one LevelDB batch: before it, or after it and before the commit log.
    ['afterSink:2', 'beforeCommitLog:3', 'sinkRows:5'],
  ],
  [
    'stream-stream inner join, append mode, parquet file sink, memory state',
    { shape: 'join', outputMode: 'append', sink: 'parquet', source: 'counting' },
    // The right side sends the ids newest first: most rows wait in the join state for their match.
    ['sourceRead:right/1', 'tempWritten:3.delta', 'sinkRows:4', 'afterSink:5', 'tempWritten:6.snapshot'],
  ],
]

describe('exactly once under SIGKILL: stateful queries', () => {
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
    })
  }
})
