/**
 * Restarting a checkpoint with a changed query. Changes that leave the stored state
 * meaning the same thing work: a filter added before an aggregation, a projection after
 * it, a sink option. Changes that alter what the state or the offsets mean are refused
 * with INCOMPATIBLE_CHECKPOINT and what changed: other grouping keys (also an expression
 * under the same name), other aggregates (also under the same name), another window,
 * another number of state partitions, another set of sources.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CheckpointError,
  col,
  count,
  type DataFrame,
  functions as F,
  MemoryStream,
  type OutputMode,
  schema,
  sum,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ ts: 'timestamp', k: 'string', j: 'string', v: 'double' })
type Ev = { ts: Date; k: string; j: string; v: number }
const ev = (sec: number, k: string, v: number): Ev => ({ ts: new Date(sec * 1000), k, j: k.toUpperCase(), v })

type Build = (input: DataFrame<Ev>, session: ReturnType<typeof newSession>) => DataFrame<unknown>

/** DataFrame's row type is invariant; these tests only need to start what they build. */
const erase = <R>(df: DataFrame<R>): DataFrame<unknown> => df as unknown as DataFrame<unknown>

/** Runs `build` on the checkpoint over one more batch of input; the rows the memory sink holds, or the error of start(). */
async function runOn(
  checkpoint: string,
  build: Build,
  opts: { mode?: OutputMode; conf?: Record<string, string>; rows?: Ev[] } = {},
): Promise<{ rows: Record<string, unknown>[] } | { error: unknown }> {
  const session = newSession(opts.conf)
  const input = new MemoryStream(session, events)
  try {
    const q = await build(input.toDF(), session)
      .writeStream.format('memory')
      .queryName('t')
      .outputMode(opts.mode ?? 'update')
      .option('checkpointLocation', checkpoint)
      .start()
    input.addData(opts.rows ?? [ev(1, 'a', 1), ev(2, 'b', 2)])
    await q.processAllAvailable()
    await q.stop()
    return { rows: (await session.table('t').collect()) as Record<string, unknown>[] }
  } catch (error) {
    return { error }
  }
}

const byKey = (input: DataFrame<Ev>) =>
  erase(input.groupBy('k').agg(count().alias('n'), sum('v').alias('total')))

function refused(result: { rows: unknown } | { error: unknown }, ...what: RegExp[]): void {
  expect('error' in result, 'the restart should have been refused').toBe(true)
  const e = (result as { error: unknown }).error
  expect(e).toBeInstanceOf(CheckpointError)
  expect((e as CheckpointError).code).toBe('INCOMPATIBLE_CHECKPOINT')
  const message = (e as Error).message
  for (const w of what) expect(message).toMatch(w)
  expect(message).toMatch(/Restore the original query, or start this one with a new checkpointLocation/)
}

describe('restarting with a changed query: allowed changes', () => {
  it('a filter added before the aggregation', async () => {
    const checkpoint = tempDir()
    expect(await runOn(checkpoint, byKey)).toHaveProperty('rows')
    const r = await runOn(checkpoint, (df) => byKey(df.where(col('v').gt(1))), {
      rows: [ev(3, 'a', 0), ev(4, 'b', 5)],
    })
    // The filtered-out row did not count; state from the first run did.
    expect(r).toEqual({ rows: [{ k: 'b', n: 2, total: 7 }] })
  })

  it('a projection after the aggregation', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    const r = await runOn(
      checkpoint,
      (df) => erase(df.groupBy('k').agg(count().alias('n'), sum('v').alias('total')).select('k', 'total')),
      { rows: [ev(3, 'a', 10)] },
    )
    expect(r).toEqual({ rows: [{ k: 'a', total: 11 }] })
  })

  it('a sink option (a file sink with another timestampFormat)', async () => {
    const session = newSession()
    const dir = tempDir()
    const input = new MemoryStream(session, events)
    const start = (format: string) =>
      input
        .toDF()
        .writeStream.format('json')
        .option('checkpointLocation', path.join(dir, 'ckpt'))
        .option('timestampFormat', format)
        .start(path.join(dir, 'out'))
    let q = await start("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
    input.addData([ev(1, 'a', 1)])
    await q.processAllAvailable()
    await q.stop()
    q = await start("yyyy-MM-dd'T'HH:mm:ssXXX")
    input.addData([ev(2, 'b', 2)])
    await q.processAllAvailable()
    await q.stop()
    expect(q.exception).toBeNull()
    const rows = await session.read.schema(events).json(path.join(dir, 'out')).collect()
    expect(rows.map((r) => r.k).sort()).toEqual(['a', 'b'])
  })
})

describe('restarting with a changed query: changes to what state means are refused, saying what changed', () => {
  it('other grouping keys', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, (df) =>
        erase(df.groupBy('j').agg(count().alias('n'), sum('v').alias('total'))),
      ),
      /stateful operator 0 changed from "StreamingAggregate keys=\[k\].*" to "StreamingAggregate keys=\[j\]/,
    )
  })

  it('a grouping key computed differently under the same name', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, (df) =>
        erase(df.groupBy(F.upper(col('k')).alias('k')).agg(count().alias('n'), sum('v').alias('total'))),
      ),
      /keys=\[k: string\]/,
      /keys=\[upper\(k\) AS k: string\]/,
    )
  })

  it('another aggregate under the same name', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, (df) =>
        erase(df.groupBy('k').agg(count().alias('n'), F.max('v').alias('total'))),
      ),
      /total = sum\(v: double\)/,
      /total = max\(v: double\)/,
    )
  })

  it('an aggregate over another argument', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, (df) =>
        erase(df.groupBy('k').agg(count().alias('n'), sum(col('v').multiply(100)).alias('total'))),
      ),
      /total = sum\(multiply\(v, 100/,
    )
  })

  it('an aggregate added', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, (df) =>
        erase(df.groupBy('k').agg(count().alias('n'), sum('v').alias('total'), F.max('v').alias('top'))),
      ),
      /functions=\[n, total\].* to .*functions=\[n, total, top\]/,
    )
  })

  it('another window', async () => {
    const windowed = (size: string) => (df: DataFrame<Ev>) =>
      df
        .withWatermark('ts', '1 minute')
        .groupBy(F.window(col('ts'), size), col('k'))
        .agg(count().alias('n')) as DataFrame<unknown>
    const checkpoint = tempDir()
    expect(await runOn(checkpoint, windowed('10 seconds'))).toHaveProperty('rows')
    refused(await runOn(checkpoint, windowed('20 seconds')), /size=10000 ms/, /size=20000 ms/)
  })

  it('another deduplication key', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, (df) => df.dropDuplicates(['k']) as DataFrame<unknown>, { mode: 'append' })
    refused(
      await runOn(checkpoint, (df) => df.dropDuplicates(['j']) as DataFrame<unknown>, { mode: 'append' }),
      /StreamingDeduplicate \[k\].* to "StreamingDeduplicate \[j\]/,
    )
  })

  it('another number of state partitions', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, byKey, { conf: { 'tributary.sql.shuffle.partitions': '8' } }),
      /tributary\.sql\.shuffle\.partitions changed from 4 to 8/,
    )
  })

  it('another number of sources', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, byKey)
    refused(
      await runOn(checkpoint, (df, session) => byKey(df.union(new MemoryStream(session, events).toDF()))),
      /the number of sources changed from 1 \(memory\) to 2 \(memory, memory\)/,
    )
  })

  it('another kind of source', async () => {
    const checkpoint = tempDir()
    await runOn(checkpoint, (df) => df.select('k') as DataFrame<unknown>, { mode: 'append' })
    refused(
      await runOn(
        checkpoint,
        (_df, session) =>
          session.readStream
            .format('rate-micro-batch')
            .option('rowsPerBatch', 1)
            .load()
            .select(col('value').cast('string').alias('k')) as DataFrame<unknown>,
        { mode: 'append' },
      ),
      /source 0 changed from memory to rate-micro-batch/,
    )
  })
})

describe('settings recorded in the checkpoint win on restart', () => {
  const TZ = 'tributary.sql.session.timeZone'
  const asText = (input: DataFrame<Ev>) => erase(input.select(col('k'), col('ts').cast('string').alias('at')))

  it('a restart with another session time zone goes on in the recorded one (as Spark restores its confs)', async () => {
    const dir = path.join(tempDir(), 'cp')
    const first = await runOn(dir, asText, { mode: 'append', conf: { [TZ]: 'UTC' } })
    expect(first).toEqual({
      rows: [
        { k: 'a', at: '1970-01-01 00:00:01' },
        { k: 'b', at: '1970-01-01 00:00:02' },
      ],
    })
    const second = await runOn(dir, asText, {
      mode: 'append',
      conf: { [TZ]: 'America/New_York' },
      rows: [ev(1, 'a', 1), ev(2, 'b', 2), ev(3, 'c', 3)],
    })
    // Still written in UTC, not as New York's 19:00 of the day before.
    expect(second).toEqual({
      rows: [
        { k: 'a', at: '1970-01-01 00:00:01' },
        { k: 'b', at: '1970-01-01 00:00:02' },
        { k: 'c', at: '1970-01-01 00:00:03' },
      ],
    })
  })
})
