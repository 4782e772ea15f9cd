/**
 * The kafka sink over the simulated cluster: Spark's columns, the idempotent (at least once)
 * mode, and the transactional mode with its batch-id markers.
 */
import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { MemoryStream, schema } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { context, newSession, type SimContext, simSink, tempDir } from './helpers.js'
import { SimCluster, SimProducer } from './sim-cluster.js'

const BOOT = { 'kafka.bootstrap.servers': 'sim:9092' }
const dec = new TextDecoder()

function start<R>(
  ctx: SimContext,
  input: MemoryStream<R>,
  options: Record<string, string>,
  checkpoint = tempDir(),
) {
  return input
    .toDF()
    .writeStream.format(simSink(ctx))
    .options({ ...BOOT, ...options })
    .option('checkpointLocation', checkpoint)
    .start()
}

describe('kafka sink', () => {
  it('writes key, value, headers, and routes by topic and partition columns', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('a', 2)
    cluster.createTopic('b', 1)
    const ctx = context(cluster)
    const session = newSession()
    const input = new MemoryStream(
      session,
      schema({
        key: 'string',
        value: 'binary',
        topic: 'string',
        partition: 'int',
        headers: { array: { struct: { key: 'string', value: 'binary' } } },
      } as never),
    )
    const q = await start(ctx, input, {})
    const bytes = (s: string) => new TextEncoder().encode(s)
    input.addData([
      { key: 'k1', value: bytes('v1'), topic: 'a', partition: 1, headers: [{ key: 'h', value: bytes('x') }] },
      { key: null, value: bytes('v2'), topic: 'b', partition: null, headers: null },
    ] as never)
    await q.processAllAvailable()
    await q.stop()
    const a1 = cluster.entries('a', 1)[0].record!
    expect(dec.decode(a1.key!)).toBe('k1')
    expect(dec.decode(a1.value!)).toBe('v1')
    expect(a1.headers.map((h) => [h.key, dec.decode(h.value!)])).toEqual([['h', 'x']])
    expect(cluster.values('b', 0)).toEqual(['v2'])
    expect(cluster.values('a', 0)).toEqual([])
  })

  it("the 'topic' option overrides a topic column, as in Spark", async () => {
    const cluster = new SimCluster()
    cluster.createTopic('fixed', 1)
    const ctx = context(cluster)
    const session = newSession()
    const input = new MemoryStream(session, schema({ topic: 'string', value: 'string' }))
    const q = await start(ctx, input, { topic: 'fixed' })
    input.addData([{ topic: 'elsewhere', value: 'x' }])
    await q.processAllAvailable()
    await q.stop()
    expect(cluster.values('fixed', 0)).toEqual(['x'])
  })

  it('fails the batch naming the row when a topic column value is null', async () => {
    const cluster = new SimCluster()
    const ctx = context(cluster)
    const session = newSession()
    const input = new MemoryStream(session, schema({ topic: 'string', value: 'string' }))
    const q = await start(ctx, input, {})
    input.addData([{ topic: null as unknown as string, value: 'x' }])
    await expect(q.processAllAvailable()).rejects.toThrow(
      /KAFKA_SINK_NULL_TOPIC: row 0 of the batch has no topic/,
    )
  })

  it('without transactions, a replayed batch is written again (at least once)', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('out', 1)
    const ctx = context(cluster)
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    input.addData([{ value: '1' }, { value: '2' }])
    const q1 = await start(ctx, input, { topic: 'out' }, checkpoint)
    await q1.processAllAvailable()
    await q1.stop()
    rmSync(path.join(checkpoint, 'commits', '0'))
    const q2 = await start(ctx, input, { topic: 'out' }, checkpoint)
    await q2.processAllAvailable()
    await q2.stop()
    expect(cluster.values('out', 0)).toEqual(['1', '2', '1', '2'])
  })

  describe('transactional (kafka.transactional.id)', () => {
    const TX = { topic: 'out', 'kafka.transactional.id': 'query-1', transactionMarkerTopic: 'markers' }

    function setup() {
      const cluster = new SimCluster()
      cluster.createTopic('out', 2)
      cluster.createTopic('markers', 1)
      return { cluster, ctx: context(cluster), session: newSession() }
    }

    it('writes each batch in one transaction with a marker holding the batch id', async () => {
      const { cluster, ctx, session } = setup()
      const input = new MemoryStream(session, schema({ key: 'string', value: 'string' }))
      const q = await start(ctx, input, TX)
      input.addData([{ key: 'a', value: '1' }])
      await q.processAllAvailable()
      input.addData([{ key: 'b', value: '2' }])
      await q.processAllAvailable()
      await q.stop()
      const markers = cluster.values('markers', 0).map((v) => JSON.parse(v))
      expect(markers.map((m) => [m.transactionalId, m.batchId])).toEqual([
        ['query-1', 0],
        ['query-1', 1],
      ])
      expect([...cluster.values('out', 0), ...cluster.values('out', 1)].sort()).toEqual(['1', '2'])
      // Each transaction ends with a commit marker in every partition it wrote.
      expect(cluster.entries('markers', 0).filter((e) => e.control)).toHaveLength(2)
    })

    it('skips a replayed batch whose transaction committed before the crash (read_committed sees it once)', async () => {
      const { cluster, ctx, session } = setup()
      const checkpoint = tempDir()
      const input = new MemoryStream(session, schema({ value: 'string' }))
      input.addData([{ value: '1' }, { value: '2' }])
      const q1 = await start(ctx, input, TX, checkpoint)
      await q1.processAllAvailable()
      await q1.stop()
      // The Kafka commit happened; Tributary's commit log entry did not.
      rmSync(path.join(checkpoint, 'commits', '0'))
      input.addData([{ value: '3' }])
      const q2 = await start(ctx, input, TX, checkpoint)
      await q2.processAllAvailable()
      await q2.stop()
      const all = [...cluster.values('out', 0), ...cluster.values('out', 1)].sort()
      expect(all).toEqual(['1', '2', '3'])
      expect(q2.recentProgress[0].sink.metrics.batchesSkippedAsCommitted).toBe(1)
    })

    it('a batch that failed mid-transaction is aborted and written again; read_committed sees it once', async () => {
      const { cluster, ctx, session } = setup()
      const checkpoint = tempDir()
      const input = new MemoryStream(session, schema({ value: 'string' }))
      input.addData([{ value: '1' }, { value: '2' }, { value: '3' }])
      SimProducer.failAfterRecords = 2
      const q1 = await start(ctx, input, TX, checkpoint)
      await expect(q1.processAllAvailable()).rejects.toThrow(/connection lost while writing/)
      const q2 = await start(ctx, input, TX, checkpoint)
      await q2.processAllAvailable()
      await q2.stop()
      const committed = [...cluster.values('out', 0), ...cluster.values('out', 1)].sort()
      const everything = [...cluster.values('out', 0, false), ...cluster.values('out', 1, false)].sort()
      expect(committed).toEqual(['1', '2', '3'])
      // A read_uncommitted consumer also sees the aborted attempt: transactions only help read_committed readers.
      expect(everything).toEqual(['1', '1', '2', '2', '3'])
    })

    it('a new producer with the same transactional id fences the old one', async () => {
      const { cluster, ctx, session } = setup()
      const a = new MemoryStream(session, schema({ value: 'string' }))
      const qa = await start(ctx, a, TX)
      a.addData([{ value: 'a1' }])
      await qa.processAllAvailable()
      const b = new MemoryStream(session, schema({ value: 'string' }))
      const qb = await start(ctx, b, { ...TX, 'kafka.transactional.id': 'query-1' })
      b.addData([{ value: 'b1' }])
      await expect(qb.processAllAvailable()).rejects.toThrow(
        /KAFKA_TRANSACTIONAL_ID_IN_USE: transactional.id 'query-1' was last used by the query with checkpoint .*, not this one .* Two queries must not share a transactional id/,
      )
      a.addData([{ value: 'a2' }])
      await expect(qa.processAllAvailable()).rejects.toThrow(/INVALID_PRODUCER_EPOCH/)
      expect([...cluster.values('out', 0), ...cluster.values('out', 1)]).not.toContain('a2')
    })

    it('refuses to go on when the markers are ahead of the checkpoint (checkpoint emptied)', async () => {
      const { cluster, ctx, session } = setup()
      const checkpoint = tempDir()
      const input = new MemoryStream(session, schema({ value: 'string' }))
      const q1 = await start(ctx, input, TX, checkpoint)
      input.addData([{ value: '1' }])
      await q1.processAllAvailable()
      input.addData([{ value: '2' }])
      await q1.processAllAvailable()
      await q1.stop()
      rmSync(checkpoint, { recursive: true, force: true })
      const fresh = new MemoryStream(session, schema({ value: 'string' }))
      const q2 = await start(ctx, fresh, TX, checkpoint)
      fresh.addData([{ value: 'x' }])
      await expect(q2.processAllAvailable()).rejects.toThrow(
        "KAFKA_TRANSACTION_MARKER_AHEAD: marker topic 'markers' says batch 1 of transactional.id 'query-1' is committed, but this query is writing batch 0.",
      )
      expect(cluster.values('out', 0).concat(cluster.values('out', 1))).not.toContain('x')
    })

    it('names a missing marker topic and how to create it', async () => {
      const cluster = new SimCluster()
      cluster.createTopic('out', 1)
      const ctx = context(cluster)
      const session = newSession()
      const input = new MemoryStream(session, schema({ value: 'string' }))
      const q = await start(ctx, input, TX)
      input.addData([{ value: '1' }])
      await expect(q.processAllAvailable()).rejects.toThrow(
        /KAFKA_NO_MARKER_TOPIC: the transaction marker topic 'markers' does not exist.*--partitions 1 --config cleanup.policy=compact/,
      )
    })
  })
})
