/** session.read.format('kafka'): a bounded read from startingOffsets to endingOffsets. */
import { describe, expect, it } from 'vitest'
import type { Row } from './helpers.js'
import { BOOTSTRAP, batchRead, brief, context, newSession, simSource, stream } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

function cluster(): SimCluster {
  const c = new SimCluster()
  c.createTopic('t', 2)
  c.produce(
    't',
    0,
    [100, 200, 300].map((timestamp, i) => ({ value: `a${i}`, timestamp })),
  )
  c.produce(
    't',
    1,
    [150, 250].map((timestamp, i) => ({ value: `b${i}`, timestamp })),
  )
  return c
}

const collect = async (options: Record<string, string | number>, c = cluster()) =>
  brief((await batchRead(newSession(), context(c), { subscribe: 't', ...options }).collect()) as Row[])

describe('kafka source: batch reads', () => {
  it('reads from earliest to latest by default', async () => {
    expect(await collect({})).toEqual(['t-0@0=a0', 't-0@1=a1', 't-0@2=a2', 't-1@0=b0', 't-1@1=b1'])
  })

  it('reads between JSON offsets (-1 = latest in endingOffsets)', async () => {
    expect(
      await collect({ startingOffsets: '{"t":{"0":1,"1":0}}', endingOffsets: '{"t":{"0":2,"1":-1}}' }),
    ).toEqual(['t-0@1=a1', 't-1@0=b0', 't-1@1=b1'])
  })

  it('reads between timestamps; an ending timestamp after every record means latest', async () => {
    expect(await collect({ startingTimestamp: 150, endingTimestamp: 300 })).toEqual([
      't-0@1=a1',
      't-1@0=b0',
      't-1@1=b1',
    ])
    expect(
      await collect({ startingOffsetsByTimestamp: '{"t":{"0":300,"1":0}}', endingTimestamp: 10_000 }),
    ).toEqual(['t-0@2=a2', 't-1@0=b0', 't-1@1=b1'])
  })

  it('works with DataFrame operations like any batch source', async () => {
    const { col } = await import('@tributary/core')
    const df = batchRead(newSession(), context(cluster()), { subscribe: 't' })
    const rows = await df
      .select(col('value').cast('string').alias('v'), col('partition'))
      .filter(col('partition').eq(1))
      .collect()
    expect(rows).toEqual([
      { v: 'b0', partition: 1 },
      { v: 'b1', partition: 1 },
    ])
  })

  it("refuses Spark's impossible ranges with the reason", async () => {
    await expect(collect({ startingOffsets: 'latest' })).rejects.toThrow(
      /a batch read cannot start at latest/,
    )
    expect(() =>
      batchRead(newSession(), context(cluster()), { subscribe: 't', startingOffsets: 'latest' }),
    ).toThrow(/a batch read cannot start at latest/)
    expect(() =>
      batchRead(newSession(), context(cluster()), { subscribe: 't', endingOffsets: '{"t":{"0":-2,"1":-1}}' }),
    ).toThrow(/a batch read cannot end at earliest/)
    await expect(
      collect({ startingOffsets: '{"t":{"0":2,"1":0}}', endingOffsets: '{"t":{"0":1,"1":-1}}' }),
    ).rejects.toThrow('KAFKA_INVALID_RANGE: for t-0 the ending offset 1 is before the starting offset 2.')
  })

  it('endingOffsets is refused for streaming queries', () => {
    expect(() =>
      stream(newSession(), context(cluster()), { subscribe: 't', endingOffsets: 'latest' }),
    ).toThrow(
      "option 'endingOffsets' is for batch reads (session.read); a streaming query has no end. To stop after what is there now, use .trigger({ availableNow: true }).",
    )
  })

  it('fails on data deleted before the batch read, or skips it with failOnDataLoss false', async () => {
    const c = cluster()
    c.deleteRecordsBefore('t', 0, 2)
    await expect(collect({ startingOffsets: '{"t":{"0":0,"1":0}}' }, c)).rejects.toThrow(
      /KAFKA_DATA_LOSS: cannot read offsets \[0, 2\) of t-0: the partition now starts at offset 2/,
    )
    expect(await collect({ startingOffsets: '{"t":{"0":0,"1":0}}', failOnDataLoss: 'false' }, c)).toEqual([
      't-0@2=a2',
      't-1@0=b0',
      't-1@1=b1',
    ])
  })

  it('startingOffsets with -1 (latest) is refused, naming the partitions at -1', () => {
    expect(() =>
      batchRead(newSession(), context(cluster()), {
        subscribe: 't',
        startingOffsets: '{"t":{"0":1,"1":-1}}',
        endingOffsets: '{"t":{"0":2,"1":-1}}',
      }),
    ).toThrow(/a batch read cannot start at latest .*startingOffsets gives -1 \(latest\) for t-1: /)
  })

  it('an exact range of one partition reads with assign (as examples/14-kafka.ts step 4 does)', async () => {
    const df = newSession()
      .read.format(simSource(context(cluster())))
      .options({
        ...BOOTSTRAP,
        assign: '{"t":[0]}',
        startingOffsets: '{"t":{"0":1}}',
        endingOffsets: '{"t":{"0":2}}',
      })
      .load()
    expect(brief((await df.collect()) as Row[])).toEqual(['t-0@1=a1'])
  })

  it('a batch read of a topic that does not exist fails naming it', async () => {
    await expect(collect({ subscribe: 't,nope' })).rejects.toThrow(
      "KAFKA_UNKNOWN_TOPIC: the batch read subscribes to 'nope', which does not exist on the brokers.",
    )
  })

  it("declares every column nullable, as Spark's kafka source does", () => {
    const df = batchRead(newSession(), context(cluster()), { subscribe: 't', includeHeaders: 'true' })
    const nullable = Object.fromEntries(df.schema.fields.map((f) => [f.name, f.nullable]))
    expect(nullable).toEqual({
      key: true,
      value: true,
      topic: true,
      partition: true,
      offset: true,
      timestamp: true,
      timestampType: true,
      headers: true,
    })
  })
})
