/** startingOffsets, startingTimestamp and startingOffsetsByTimestamp, with Spark's rules. */
import { describe, expect, it } from 'vitest'
import { brief, context, newSession, stream, table, tempDir, toMemory } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

/** Topic t with 2 partitions: t-0 holds a0..a3 (timestamps 100..400), t-1 holds b0..b1 (150, 250). */
function cluster(): SimCluster {
  const c = new SimCluster()
  c.createTopic('t', 2)
  c.produce(
    't',
    0,
    [100, 200, 300, 400].map((timestamp, i) => ({ value: `a${i}`, timestamp })),
  )
  c.produce(
    't',
    1,
    [150, 250].map((timestamp, i) => ({ value: `b${i}`, timestamp })),
  )
  return c
}

async function readAll(options: Record<string, string | number>, c = cluster()) {
  const ctx = context(c)
  const session = newSession()
  const q = await toMemory(stream(session, ctx, { subscribe: 't', ...options }), 'q', tempDir())
  await q.processAllAvailable()
  await q.stop()
  return brief(await table(session, 'q'))
}

describe('kafka source: starting offsets', () => {
  it('earliest and latest', async () => {
    expect(await readAll({ startingOffsets: 'earliest' })).toEqual([
      't-0@0=a0',
      't-0@1=a1',
      't-0@2=a2',
      't-0@3=a3',
      't-1@0=b0',
      't-1@1=b1',
    ])
    expect(await readAll({ startingOffsets: 'latest' })).toEqual([])
  })

  it('JSON offsets per partition, with -2 for earliest and -1 for latest', async () => {
    expect(await readAll({ startingOffsets: '{"t":{"0":2,"1":-2}}' })).toEqual([
      't-0@2=a2',
      't-0@3=a3',
      't-1@0=b0',
      't-1@1=b1',
    ])
    expect(await readAll({ startingOffsets: '{"t":{"0":3,"1":-1}}' })).toEqual(['t-0@3=a3'])
  })

  it('JSON offsets must name every partition read', async () => {
    const session = newSession()
    await expect(
      toMemory(
        stream(session, context(cluster()), { subscribe: 't', startingOffsets: '{"t":{"0":1},"u":{"0":0}}' }),
        'q',
        tempDir(),
      ),
    ).rejects.toThrow(
      "option 'startingOffsets' must give every partition the query reads, but it does not name t-1 and it names u-0, which the query does not read (no such partition). Use -2 for earliest and -1 for latest.",
    )
  })

  it('startingTimestamp: the first offset at or after it, in every partition', async () => {
    expect(await readAll({ startingTimestamp: 250 })).toEqual(['t-0@2=a2', 't-0@3=a3', 't-1@1=b1'])
  })

  it('startingOffsetsByTimestamp: per partition', async () => {
    expect(await readAll({ startingOffsetsByTimestamp: '{"t":{"0":350,"1":0}}' })).toEqual([
      't-0@3=a3',
      't-1@0=b0',
      't-1@1=b1',
    ])
  })

  it('a timestamp after every record fails, unless startingOffsetsByTimestampStrategy is latest', async () => {
    const session = newSession()
    await expect(
      toMemory(
        stream(session, context(cluster()), { subscribe: 't', startingTimestamp: 300 }),
        'q',
        tempDir(),
      ),
    ).rejects.toThrow(
      /KAFKA_NO_OFFSET_FOR_TIMESTAMP: no record is at or after the starting timestamp in t-1 \(timestamp 300 = 1970-01-01T00:00:00.300Z\).*startingOffsetsByTimestampStrategy to 'latest'/,
    )
    const c = cluster()
    const ctx = context(c)
    const q = await toMemory(
      stream(session, ctx, {
        subscribe: 't',
        startingTimestamp: 300,
        startingOffsetsByTimestampStrategy: 'latest',
      }),
      'q2',
      tempDir(),
    )
    c.produce('t', 1, ['b2'])
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q2'))).toEqual(['t-0@2=a2', 't-0@3=a3', 't-1@2=b2'])
  })

  it('startingTimestamp takes precedence over startingOffsetsByTimestamp and startingOffsets (Spark)', async () => {
    expect(
      await readAll({
        startingTimestamp: 400,
        startingOffsetsByTimestamp: '{"t":{"0":0,"1":0}}',
        startingOffsets: 'earliest',
        startingOffsetsByTimestampStrategy: 'latest',
      }),
    ).toEqual(['t-0@3=a3'])
  })

  it('a subscribed topic that does not exist yet is read from its beginning once created', async () => {
    const c = new SimCluster()
    const ctx = context(c)
    const session = newSession()
    const q = await toMemory(stream(session, ctx, { subscribe: 'later' }), 'q', tempDir())
    await q.processAllAvailable()
    c.createTopic('later', 1)
    c.produce('later', 0, ['first'])
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q'))).toEqual(['later-0@0=first'])
  })
})
