/**
 * failOnDataLoss: offsets deleted by retention, vanished partitions, topics re-created,
 * truncated logs. With true (default) the query stops naming topic, partition and offsets;
 * with false it warns, counts, and goes on from the earliest available offset.
 */
import { describe, expect, it } from 'vitest'
import { brief, context, newSession, type SimContext, stream, table, tempDir, toMemory } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

async function setup(failOnDataLoss: boolean, partitions = 1) {
  const cluster = new SimCluster()
  cluster.createTopic('t', partitions)
  const ctx = context(cluster)
  const session = newSession()
  const q = await toMemory(
    stream(session, ctx, {
      subscribe: 't',
      startingOffsets: 'earliest',
      failOnDataLoss,
      maxOffsetsPerTrigger: 2,
    }),
    'q',
    tempDir(),
  )
  return { cluster, ctx, session, q }
}

const lossMetric = (ctx: SimContext) => ctx.warnings.length

describe('kafka source: data loss', () => {
  it('retention deleting offsets not yet read stops the query, naming topic, partition and offsets', async () => {
    const { cluster, q } = await setup(true)
    cluster.produce('t', 0, ['a', 'b'])
    await q.processAllAvailable()
    cluster.produce('t', 0, ['c', 'd', 'e', 'f'])
    cluster.deleteRecordsBefore('t', 0, 5)
    await expect(q.processAllAvailable()).rejects.toThrow(
      /KAFKA_DATA_LOSS: cannot read offsets \[2, 4\) of t-0: the partition now starts at offset 5, so retention deleted them.*set the source option failOnDataLoss to false/,
    )
    expect(q.exception?.code).toBe('KAFKA_DATA_LOSS')
  })

  it('with failOnDataLoss false, goes on from the earliest available offset and warns', async () => {
    const { cluster, ctx, session, q } = await setup(false)
    cluster.produce('t', 0, ['a', 'b'])
    await q.processAllAvailable()
    cluster.produce('t', 0, ['c', 'd', 'e', 'f'])
    cluster.deleteRecordsBefore('t', 0, 3)
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q'))).toEqual(['t-0@0=a', 't-0@1=b', 't-0@3=d', 't-0@4=e', 't-0@5=f'])
    expect(ctx.warnings).toHaveLength(1)
    expect(ctx.warnings[0]).toMatch(/cannot read offsets \[2, 3\) of t-0.*failOnDataLoss is false/)
    expect(q.recentProgress.at(-1)!.sources[0].metrics.dataLossEvents).toBe(1)
  })

  it('a deleted topic: its partitions are gone', async () => {
    const { cluster, q } = await setup(true, 2)
    cluster.produce('t', 0, ['a'])
    await q.processAllAvailable()
    cluster.deleteTopic('t')
    await expect(q.processAllAvailable()).rejects.toThrow(
      /KAFKA_DATA_LOSS: partitions t-0, t-1 are gone \(topic deleted, or no longer matched by the subscription\); records after offsets \{t-0=1, t-1=0\} may not have been read/,
    )
  })

  it('a re-created topic: offsets went back (Spark: "offset was changed from X to Y")', async () => {
    const { cluster, ctx, session, q } = await setup(false)
    cluster.produce('t', 0, ['a', 'b', 'c'])
    await q.processAllAvailable()
    await q.processAllAvailable()
    cluster.deleteTopic('t')
    cluster.createTopic('t', 1)
    cluster.produce('t', 0, ['new0'])
    await q.processAllAvailable()
    cluster.produce('t', 0, ['new1', 'new2'])
    await q.processAllAvailable()
    await q.stop()
    expect(ctx.warnings[0]).toMatch(/partition t-0 went back from offset 3 to 1 \(the topic was re-created/)
    // After the loss is reported, the query follows the new topic from where its end was seen.
    expect(brief(await table(session, 'q'))).toEqual([
      't-0@0=a',
      't-0@1=b',
      't-0@2=c',
      't-0@1=new1',
      't-0@2=new2',
    ])
    expect(lossMetric(ctx)).toBe(1)
  })

  it('a partition added with records already deleted does not start at 0', async () => {
    const { cluster, ctx, q } = await setup(false)
    await q.processAllAvailable()
    cluster.addPartitions('t', 1)
    cluster.produce('t', 1, ['x', 'y', 'z'])
    cluster.deleteRecordsBefore('t', 1, 2)
    await q.processAllAvailable()
    await q.stop()
    expect(ctx.warnings[0]).toMatch(
      /added partition t-1 starts at offset 2 instead of 0: records \[0, 2\) were deleted/,
    )
  })

  it('a truncated log (unclean leader election) while reading', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    cluster.produce('t', 0, ['a', 'b', 'c', 'd'])
    const ctx = context(cluster)
    const session = newSession()
    // The batch's end (4) is logged; then the log is cut back before the batch reads it.
    const q = await stream(session, ctx, { subscribe: 't', startingOffsets: 'earliest' })
      .writeStream.foreachBatch(async () => {})
      .option('checkpointLocation', tempDir())
      .start()
    await q.processAllAvailable()
    await q.stop()
    cluster.truncate('t', 0, 2)
    const { KafkaSource } = await import('../src/kafka-source.js')
    const { readSourceOptions } = await import('../src/source-options.js')
    const { Options } = await import('@tributary/core')
    const config = readSourceOptions(
      new Options({ 'kafka.bootstrap.servers': 'sim:9092', subscribe: 't' }, "source 'kafka'"),
      false,
    )
    const source = new KafkaSource(cluster.admin(config.client), config, {
      bounded: false,
      metadataDir: tempDir(),
      now: () => 0,
      warn: () => {},
    })
    await expect(source.getBatch({ t: { '0': 0 } }, { t: { '0': 4 } })).rejects.toThrow(
      'KAFKA_DATA_LOSS: cannot read offsets [2, 4) of t-0: the partition now ends at offset 2 (records were truncated, or the topic was re-created).',
    )
  })
})
