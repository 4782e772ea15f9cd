/** The kafka source in streaming queries, over a simulated cluster, through the public API. */
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { brief, context, inputRows, newSession, str, stream, table, tempDir, toMemory } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

describe('kafka source: streaming', () => {
  it("reads Spark's columns from every partition of the subscribed topics", async () => {
    const cluster = new SimCluster()
    cluster.createTopic('events', 2)
    const ctx = context(cluster)
    const session = newSession()
    const q = await toMemory(
      stream(session, ctx, { subscribe: 'events', startingOffsets: 'earliest' }),
      'q',
      tempDir(),
    )
    cluster.produce('events', 0, [{ key: 'k1', value: 'a', timestamp: 1000 }, 'b'])
    cluster.produce('events', 1, [{ key: null, value: 'c', timestamp: 2000, logAppendTime: true }])
    await q.processAllAvailable()
    const rows = await table(session, 'q')
    await q.stop()
    expect(Object.keys(rows[0])).toEqual([
      'key',
      'value',
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestampType',
    ])
    expect(brief(rows)).toEqual(['events-0@0=a', 'events-0@1=b', 'events-1@0=c'])
    expect(str(rows[0].key)).toBe('k1')
    expect(rows[0].key).toBeInstanceOf(Uint8Array)
    expect(rows[2].key).toBeNull()
    expect(rows[0].timestamp).toEqual(new Date(1000))
    expect(rows[0].timestampType).toBe(0)
    expect(rows[2].timestampType).toBe(1)
    const df = stream(session, ctx, { subscribe: 'events' })
    expect(df.schema.simpleString()).toBe(
      'struct<key:binary,value:binary,topic:string,partition:int,offset:long,timestamp:timestamp,timestampType:int>',
    )
  })

  it('keeps {topic: {partition: nextOffset}} in the checkpoint and resumes from it', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 2)
    const ctx = context(cluster)
    const session = newSession()
    const checkpoint = tempDir()
    const q1 = await toMemory(
      stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest' }),
      'run1',
      checkpoint,
    )
    cluster.produce('t', 0, ['a', 'b'])
    cluster.produce('t', 1, ['c'])
    await q1.processAllAvailable()
    await q1.stop()
    const log = readFileSync(path.join(checkpoint, 'offsets', '0'), 'utf8')
      .trim()
      .split('\n')
    expect(log[0]).toBe('v1')
    expect(JSON.parse(log[2])).toEqual({ t: { '0': 2, '1': 1 } })

    cluster.produce('t', 0, ['d'])
    const q2 = await toMemory(
      stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest' }),
      'run2',
      checkpoint,
    )
    await q2.processAllAvailable()
    await q2.stop()
    expect(brief(await table(session, 'run2'))).toEqual(['t-0@2=d'])
  })

  it('starts at latest by default, and remembers that position across a restart before the first batch', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    cluster.produce('t', 0, ['old'])
    const ctx = context(cluster)
    const session = newSession()
    const checkpoint = tempDir()
    const q1 = await toMemory(stream(session, ctx, { subscribe: 't' }), 'run1', checkpoint)
    await q1.processAllAvailable()
    await q1.stop()
    expect(await table(session, 'run1')).toEqual([])
    // Arrives while the query is down: Spark's initial-offset log makes the restart read it.
    cluster.produce('t', 0, ['while-down'])
    const q2 = await toMemory(stream(session, ctx, { subscribe: 't' }), 'run2', checkpoint)
    cluster.produce('t', 0, ['after'])
    await q2.processAllAvailable()
    await q2.stop()
    expect(brief(await table(session, 'run2'))).toEqual(['t-0@1=while-down', 't-0@2=after'])
  })

  it('reads partitions added to a subscribed topic from offset 0', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const ctx = context(cluster)
    const session = newSession()
    const q = await toMemory(stream(session, ctx, { subscribe: 't' }), 'q', tempDir())
    cluster.produce('t', 0, ['a'])
    await q.processAllAvailable()
    cluster.addPartitions('t', 2)
    cluster.produce('t', 1, ['b1', 'b2'])
    cluster.produce('t', 2, ['c'])
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q'))).toEqual(['t-0@0=a', 't-1@0=b1', 't-1@1=b2', 't-2@0=c'])
    expect(ctx.warnings).toEqual([])
  })

  it('subscribePattern picks up topics created later, from earliest, and matches whole names', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('metrics-cpu', 1)
    cluster.createTopic('other', 1)
    const ctx = context(cluster)
    const session = newSession()
    const q = await toMemory(
      stream(session, ctx, { subscribePattern: 'metrics-.*', startingOffsets: 'earliest' }),
      'q',
      tempDir(),
    )
    cluster.produce('metrics-cpu', 0, ['cpu1'])
    cluster.produce('other', 0, ['not read'])
    await q.processAllAvailable()
    cluster.createTopic('metrics-mem', 1)
    cluster.createTopic('x-metrics-mem', 1)
    cluster.produce('metrics-mem', 0, ['mem1'])
    cluster.produce('x-metrics-mem', 0, ['not matched: the pattern must match the whole name'])
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q'))).toEqual(['metrics-cpu-0@0=cpu1', 'metrics-mem-0@0=mem1'])
  })

  it('assign reads only the listed partitions, and refuses partitions that do not exist', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 3)
    const ctx = context(cluster)
    const session = newSession()
    const q = await toMemory(
      stream(session, ctx, { assign: '{"t":[0,2]}', startingOffsets: 'earliest' }),
      'q',
      tempDir(),
    )
    cluster.produce('t', 0, ['a'])
    cluster.produce('t', 1, ['b'])
    cluster.produce('t', 2, ['c'])
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q'))).toEqual(['t-0@0=a', 't-2@0=c'])
    await expect(
      toMemory(stream(session, ctx, { assign: '{"t":[5],"nope":[0]}' }), 'bad', tempDir()),
    ).rejects.toThrow(
      "KAFKA_UNKNOWN_PARTITION: 'assign' names partitions that do not exist: t-5 (the topic has 3 partitions), nope-0 (no such topic).",
    )
  })

  it('includeHeaders adds headers as array<struct<key,value>>, null without headers', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const ctx = context(cluster)
    const session = newSession()
    const df = stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest', includeHeaders: true })
    expect(df.schema.simpleString()).toContain('headers:array<struct<key:string,value:binary>>')
    const q = await toMemory(df, 'q', tempDir())
    const v = new TextEncoder().encode('v1')
    cluster.produce('t', 0, [
      {
        value: 'a',
        headers: [
          { key: 'h1', value: v },
          { key: 'h1', value: null },
        ],
      },
      'b',
    ])
    await q.processAllAvailable()
    await q.stop()
    const rows = await table(session, 'q')
    expect(rows[0].headers).toEqual([
      { key: 'h1', value: v },
      { key: 'h1', value: null },
    ])
    expect(rows[1].headers).toBeNull()
  })

  it('skips offsets missing inside a range (compaction, transaction markers) without calling it data loss', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const ctx = context(cluster)
    const session = newSession()
    cluster.produce('t', 0, ['a', 'b', 'c', 'd', 'e', 'f'])
    cluster.compact('t', 0, [1, 2, 5])
    const q = await toMemory(
      stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest' }),
      'q',
      tempDir(),
    )
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q'))).toEqual(['t-0@0=a', 't-0@3=d', 't-0@4=e'])
    expect(ctx.warnings).toEqual([])
  })

  it('a replayed batch (crash before its commit) reads exactly the same records', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 2)
    const ctx = context(cluster)
    const session = newSession()
    const checkpoint = tempDir()
    const seen: string[][] = []
    const start = () =>
      stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest' })
        .writeStream.foreachBatch(async (batch, id) => {
          seen.push([`batch ${id}`, ...brief((await batch.collect()) as Record<string, unknown>[])])
        })
        .option('checkpointLocation', checkpoint)
        .start()
    const q1 = await start()
    cluster.produce('t', 0, ['a'])
    cluster.produce('t', 1, ['b'])
    await q1.processAllAvailable()
    await q1.stop()
    // As if the process died after the sink but before commits/0 was written.
    const { rmSync } = await import('node:fs')
    rmSync(path.join(checkpoint, 'commits', '0'))
    cluster.produce('t', 0, ['c'])
    const q2 = await start()
    await q2.processAllAvailable()
    await q2.stop()
    expect(seen).toEqual([
      ['batch 0', 't-0@0=a', 't-1@0=b'],
      ['batch 0', 't-0@0=a', 't-1@0=b'],
      ['batch 1', 't-0@1=c'],
    ])
  })

  it('reports offsets behind latest with Spark metric names', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 2)
    cluster.produce('t', 0, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])
    cluster.produce('t', 1, ['x', 'y'])
    const ctx = context(cluster)
    const session = newSession()
    const q = await toMemory(
      stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest', maxOffsetsPerTrigger: 5 }),
      'q',
      tempDir(),
    )
    await q.processAllAvailable()
    await q.stop()
    const first = q.recentProgress[0].sources[0]
    // 10 offsets behind, limit 5: partition 0 gets floor(5*8/10)=4, partition 1 floor(5*2/10)=1.
    expect(first.endOffset).toEqual({ t: { '0': 4, '1': 1 } })
    expect(first.metrics).toMatchObject({
      minOffsetsBehindLatest: 1,
      maxOffsetsBehindLatest: 4,
      avgOffsetsBehindLatest: 2.5,
    })
    expect(inputRows(q).reduce((a, b) => a + b, 0)).toBe(10)
    expect(q.recentProgress.at(-1)!.sources[0].metrics).toMatchObject({ maxOffsetsBehindLatest: 0 })
  })

  it('commits offsets to the groupIdPrefix group after each batch, and never reads them back', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const ctx = context(cluster)
    const session = newSession()
    const checkpoint = tempDir()
    const opts = { subscribe: 't', startingOffsets: 'earliest', groupIdPrefix: 'lag-monitor' }
    const q1 = await toMemory(stream(session, ctx, opts), 'run1', checkpoint)
    cluster.produce('t', 0, ['a', 'b'])
    await q1.processAllAvailable()
    await q1.stop()
    expect(cluster.groups.size).toBe(1)
    const [groupId, offsets] = [...cluster.groups][0]
    expect(groupId).toMatch(/^lag-monitor-[0-9a-f]{12}$/)
    expect(offsets.get('t:0')).toBe(2)
    // A wrong group position must not matter: recovery uses the checkpoint only.
    offsets.set('t:0', 0)
    cluster.produce('t', 0, ['c'])
    const q2 = await toMemory(stream(session, ctx, opts), 'run2', checkpoint)
    await q2.processAllAvailable()
    await q2.stop()
    expect(brief(await table(session, 'run2'))).toEqual(['t-0@2=c'])
    expect([...cluster.groups.keys()]).toEqual([groupId])
    expect(cluster.groups.get(groupId)!.get('t:0')).toBe(3)
  })

  it('Trigger.AvailableNow reads what is there at start, in batches of maxOffsetsPerTrigger, then ends', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    cluster.produce('t', 0, ['1', '2', '3', '4', '5'])
    const ctx = context(cluster)
    const session = newSession()
    const got: string[] = []
    const q = await stream(session, ctx, {
      subscribe: 't',
      startingOffsets: 'earliest',
      maxOffsetsPerTrigger: 2,
    })
      .writeStream.foreachBatch(async (batch, id) => {
        got.push(...brief((await batch.collect()) as Record<string, unknown>[]).map((s) => s.split('=')[1]))
        // Arrives while the query runs: after what AvailableNow reads.
        if (id === 0) cluster.produce('t', 0, ['late'])
      })
      .trigger({ availableNow: true })
      .option('checkpointLocation', tempDir())
      .start()
    await q.awaitTermination(5000)
    expect(inputRows(q).filter((n) => n > 0)).toEqual([2, 2, 1])
    expect(got).toEqual(['1', '2', '3', '4', '5'])
  })

  it('closes its clients when the query stops', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const session = newSession()
    const q = await toMemory(stream(session, context(cluster), { subscribe: 't' }), 'q', tempDir())
    await q.stop()
    expect(cluster.admins.every((a) => a.closed)).toBe(true)
  })
})
