/**
 * Against a real Kafka broker, only when TRIBUTARY_KAFKA_BROKERS is set (e.g.
 * "localhost:9092"); otherwise skipped with the reason printed, in CI too. The broker must
 * allow creating and deleting topics; transactions need a cluster that supports them (a
 * single broker needs transaction.state.log.replication.factor=1 and min.isr=1).
 */
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { Admin } from '@platformatic/kafka'
import { MemoryStream, schema } from '@tributary/core'
import { platformaticConnector } from '@tributary/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSession, type Row, str, tempDir } from './helpers.js'

const brokers = process.env.TRIBUTARY_KAFKA_BROKERS
if (!brokers) {
  console.warn(
    '[skipped] Kafka integration tests: TRIBUTARY_KAFKA_BROKERS is not set. Set it to a broker list (e.g. localhost:9092) to run them against a real broker.',
  )
}

const BOOT = { 'kafka.bootstrap.servers': brokers ?? '' }
const run = randomUUID().slice(0, 8)
const topic = (name: string) => `tributary-it-${run}-${name}`

describe.skipIf(!brokers)('kafka against a real broker', () => {
  let admin: Admin
  const created: string[] = []

  beforeAll(async () => {
    admin = new Admin({ clientId: 'tributary-it', bootstrapBrokers: brokers!.split(',') })
    const topics = ['rows', 'batch', 'tx-out', 'tx-markers', 'loss']
    await admin.createTopics({ topics: topics.map(topic), partitions: 2, replicas: 1 })
    created.push(...topics.map(topic))
  })

  afterAll(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => {})
    await admin.close()
  })

  async function write(
    name: string,
    rows: { key: string; value: string }[],
    extra: Record<string, string> = {},
    checkpoint = tempDir(),
  ) {
    const session = newSession()
    const input = new MemoryStream(session, schema({ key: 'string', value: 'string' }))
    input.addData(rows)
    const q = await input
      .toDF()
      .writeStream.format('kafka')
      .options({ ...BOOT, topic: topic(name), ...extra })
      .option('checkpointLocation', checkpoint)
      .start()
    await q.processAllAvailable()
    await q.stop()
  }

  async function readAll(name: string, extra: Record<string, string> = {}): Promise<Row[]> {
    const session = newSession()
    const q = await session.readStream
      .format('kafka')
      .options({ ...BOOT, subscribe: topic(name), startingOffsets: 'earliest', ...extra })
      .load()
      .writeStream.format('memory')
      .queryName('it')
      .option('checkpointLocation', tempDir())
      .start()
    await q.processAllAvailable()
    await q.stop()
    return (await session.table('it').collect()) as Row[]
  }

  it('writes with the sink and reads every record back with the streaming source', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }))
    await write('rows', rows)
    const got = await readAll('rows', { groupIdPrefix: 'tributary-it' })
    expect(got.map((r) => str(r.value)).sort()).toEqual(rows.map((r) => r.value).sort())
    // Same key, same partition (the producer's partitioner), in order.
    const byKey = new Map<string, Set<number>>()
    for (const r of got)
      byKey.set(str(r.key)!, (byKey.get(str(r.key)!) ?? new Set()).add(r.partition as number))
    for (const parts of byKey.values()) expect(parts.size).toBe(1)
  })

  it('reads a bounded range with session.read', async () => {
    await write('batch', [
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'a', value: '3' },
    ])
    const session = newSession()
    const all = (await session.read
      .format('kafka')
      .options({ ...BOOT, subscribe: topic('batch') })
      .load()
      .collect()) as Row[]
    expect(all.map((r) => str(r.value))).toEqual(['1', '2', '3'])
    const p = all[0].partition as number
    const other = 1 - p
    const some = (await session.read
      .format('kafka')
      .options({
        ...BOOT,
        subscribe: topic('batch'),
        startingOffsets: JSON.stringify({ [topic('batch')]: { [p]: 1, [other]: -2 } }),
        endingOffsets: JSON.stringify({ [topic('batch')]: { [p]: 2, [other]: -1 } }),
      })
      .load()
      .collect()) as Row[]
    expect(some.map((r) => str(r.value))).toEqual(['2'])
  })

  it('transactional sink: a replayed batch is skipped, read_committed readers see each record once', async () => {
    const checkpoint = tempDir()
    const tx = {
      'kafka.transactional.id': `tributary-it-${run}`,
      transactionMarkerTopic: topic('tx-markers'),
    }
    await write('tx-out', [{ key: 'a', value: '1' }], tx, checkpoint)
    rmSync(path.join(checkpoint, 'commits', '0'))
    await write('tx-out', [{ key: 'a', value: '1' }], tx, checkpoint)
    const got = await readAll('tx-out', { 'kafka.isolation.level': 'read_committed' })
    expect(got.map((r) => str(r.value))).toEqual(['1'])
  })

  it('reports records deleted before they were read (failOnDataLoss)', async () => {
    await write('loss', [
      { key: 'x', value: '1' },
      { key: 'x', value: '2' },
      { key: 'x', value: '3' },
    ])
    const first = await readAll('loss')
    const p = first[0].partition as number
    await admin.deleteRecords({
      topics: [{ name: topic('loss'), partitions: [{ partition: p, offset: 2n }] }],
    })
    const session = newSession()
    const df = session.read
      .format('kafka')
      .options({
        ...BOOT,
        subscribe: topic('loss'),
        startingOffsets: JSON.stringify({ [topic('loss')]: { [p]: 0, [1 - p]: -2 } }),
      })
      .load()
    await expect(df.collect()).rejects.toThrow(/KAFKA_DATA_LOSS: cannot read offsets \[0, 2\)/)
  })

  it('transactional producer: a restart with the same id fences the old one (InitProducerId -1/-1)', async () => {
    const connect = () =>
      platformaticConnector.producer({
        bootstrapServers: brokers!.split(','),
        clientId: 'tributary-it',
        properties: {},
        isolationLevel: 'read_committed',
        transactionalId: `tributary-it-fence-${run}`,
      })
    const old = connect()
    const fresh = connect()
    try {
      const record = {
        topic: topic('tx-out'),
        partition: 0,
        key: null,
        value: new TextEncoder().encode('fenced'),
        headers: [],
      }
      const first = await old.beginTransaction()
      await first.send([record])
      // The "restarted" process: its first transaction must fence the old epoch, not fail.
      const second = await fresh.beginTransaction()
      await second.send([{ ...record, value: new TextEncoder().encode('kept') }])
      await second.commit()
      await expect(first.commit()).rejects.toThrow(/KAFKA_/)
      const got = await readAll('tx-out', { 'kafka.isolation.level': 'read_committed' })
      expect(got.map((r) => str(r.value))).toContain('kept')
      expect(got.map((r) => str(r.value))).not.toContain('fenced')
    } finally {
      await Promise.allSettled([old.close(), fresh.close()])
    }
  })

  it('a batch read of a missing topic fails naming it', async () => {
    const missing = topic('never-created')
    const df = newSession()
      .read.format('kafka')
      .options({ ...BOOT, subscribe: missing })
      .load()
    await expect(df.collect()).rejects.toThrow(
      `KAFKA_UNKNOWN_TOPIC: the batch read subscribes to '${missing}'`,
    )
  })
})
