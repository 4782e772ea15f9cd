/**
 * Exactly once from files to files under SIGKILL: the json, csv and parquet file sinks,
 * partitioned so that each batch writes several files, fed by the file source, killed
 * between the files a batch reads, while the source's file log is renamed, between the
 * files a batch writes, in the middle of a file, after the files and while the sink's
 * commit log (_tributary_metadata) is renamed. Read back with session.read, which goes
 * through the sink's log, the output must hold every input row exactly once.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir } from '../helpers.js'
import { runToCompletion, verdictOf, writeInputFiles } from './crash-harness.js'
import type { CrashQuery, SinkKind } from './crash-query.js'

const cases: [SinkKind, boolean][] = [
  ['json', true],
  ['csv', true],
  ['parquet', false],
]

describe('exactly once under SIGKILL: file source to file sinks', () => {
  for (const [sink, partitionBy] of cases) {
    it(`${sink}${partitionBy ? ', partitioned' : ''}: every row exactly once`, async () => {
      const dir = tempDir()
      const q: CrashQuery = {
        checkpoint: path.join(dir, 'ckpt'),
        out: path.join(dir, 'out'),
        input: path.join(dir, 'in'),
        shape: 'stateless',
        outputMode: 'append',
        sink,
        source: 'files',
        total: 100,
        perBatch: 10,
        partitionBy,
      }
      writeInputFiles(q)
      // Ten files, two per batch: batches 0 to 4.
      const kills = [
        'sourceRead#2',
        'tempWritten:sources/0/1',
        partitionBy ? 'sinkFile:1#2' : 'sinkFile:1',
        'sinkRows:2',
        'sinkDone:3',
        'tempWritten:_tributary_metadata/4',
      ]
      const runs = await runToCompletion(q, kills)
      expect(runs.slice(0, -1).map((r) => `${r.kill} ${r.signal}`)).toEqual(kills.map((k) => `${k} SIGKILL`))
      const v = await verdictOf(q, newSession())
      expect(v.problems).toEqual([])
      expect(v).toMatchObject({ expected: 100, found: 100, duplicates: 0, losses: 0 })
    })
  }
})
