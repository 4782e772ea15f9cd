/**
 * The file sink's log under concurrent writers (issue #13 §1): two writers replaying the
 * same streaming batches, interleaved with df.write appends that take free ids, must
 * leave each streaming batch committed exactly once, whatever the interleaving. Before the
 * fix, a writer that lost the race for id N took "the next free id" and committed N again.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CompactibleLog } from '../../src/checkpoint/compactible-log.js'
import type { SinkLogEntry } from '../../src/formats/files/sink-log.js'
import { FileSinkLog } from '../../src/formats/files/sink-log.js'
import { tempDir } from '../helpers.js'

/** Lets other promises run for a random number of turns: the interleaving. */
async function yieldTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

describe('file sink log: a streaming batch is committed at most once', () => {
  it('two writers committing the same batches, with appends in between', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
        fc.array(fc.nat({ max: 4 }), { minLength: 24, maxLength: 24 }),
        async (batches, appendsBefore, delays) => {
          const dir = tempDir()
          const logs = [new FileSinkLog(dir), new FileSinkLog(dir), new FileSinkLog(dir)]
          let d = 0
          const delay = () => yieldTurns(delays[d++ % delays.length])
          const writer = async (log: FileSinkLog, name: string) => {
            for (let b = 0; b < batches; b++) {
              await delay()
              if (await log.isCommitted(b)) continue
              await delay()
              await log.commit(b, [{ path: `${name}-${b}.json`, size: 1, mtimeMs: 0 }], false)
            }
          }
          const appender = async () => {
            for (const at of appendsBefore) {
              await yieldTurns(at)
              await logs[2].commit(0, [{ path: `append-${at}.json`, size: 1, mtimeMs: 0 }], true)
            }
          }
          await Promise.all([writer(logs[0], 'a'), writer(logs[1], 'b'), appender()])
          // Every entry as readers see them: the compact file (ten ids and more) and the entries after it.
          const raw = new CompactibleLog<SinkLogEntry>(logs[0].dir, { compactInterval: 10 })
          const streaming: number[] = []
          let appends = 0
          for (const { entry: e } of await raw.batches()) {
            if (e.bounded) appends++
            else streaming.push(e.batchId)
          }
          expect(streaming.sort((x, y) => x - y)).toEqual(Array.from({ length: batches }, (_, i) => i))
          expect(appends).toBe(appendsBefore.length)
        },
      ),
      { numRuns: 40 },
    )
  })
})
