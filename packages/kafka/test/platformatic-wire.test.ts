/**
 * The real client (@platformatic/kafka) against a Kafka-protocol broker on a local port
 * (wire-broker.ts): what the transactional producer sends, and how a broken answer ends.
 */
import { platformaticConnector } from '@tributary/kafka'
import { describe, expect, it } from 'vitest'
import { newSession, onCleanup, tempDir } from './helpers.js'
import { API, WireBroker, type WireBrokerOptions } from './wire-broker.js'

async function broker(options: WireBrokerOptions = { topics: { out: 1 } }): Promise<WireBroker> {
  const b = await new WireBroker(options).start()
  onCleanup(() => b.stop())
  return b
}

function producer(b: WireBroker, transactionalId: string) {
  const p = platformaticConnector.producer({
    bootstrapServers: [b.address],
    clientId: 'wire-test',
    properties: { retries: '0' },
    isolationLevel: 'read_committed',
    transactionalId,
  })
  onCleanup(() => p.close().catch(() => {}))
  return p
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

const record = { topic: 'out', partition: 0, key: null, value: new Uint8Array([1]), headers: [] }

describe('the real client on the wire', () => {
  it('a new producer asks InitProducerId with producer id -1 and epoch -1', async () => {
    const b = await broker()
    const tx = await producer(b, 'tx-new').beginTransaction()
    await tx.send([record])
    await tx.commit()
    const init = b.requests.filter((r) => r.apiKey === API.InitProducerId)
    expect(init).toHaveLength(1)
    expect(init[0].fields).toMatchObject({ transactionalId: 'tx-new', producerId: -1n, producerEpoch: -1 })
    const end = b.requests.find((r) => r.apiKey === API.EndTxn)
    expect(end?.fields).toMatchObject({ committed: true, producerId: 1000n, epoch: 0 })
  })

  it('a restart with the same transactional id fences the old epoch and commits', async () => {
    const b = await broker()
    const first = await producer(b, 'tx-restart').beginTransaction()
    await first.send([record])
    // The first process dies here, its transaction open. The restart takes over.
    const second = await producer(b, 'tx-restart').beginTransaction()
    await second.send([record])
    await second.commit()
    expect(b.txn('tx-restart')).toEqual({ producerId: 1000n, epoch: 1 })
    // The old producer is fenced: its commit is refused.
    await expect(first.commit()).rejects.toThrow(/KAFKA_ERROR.*PRODUCER_FENCED|FENCED/)
  })

  it('AddPartitionsToTxn stays at v3 when the broker offers v4 and v5', async () => {
    const b = await broker({ topics: { out: 1 }, addPartitionsMaxVersion: 5 })
    const tx = await producer(b, 'tx-v3').beginTransaction()
    await tx.send([record])
    await tx.commit()
    const add = b.requests.filter((r) => r.apiKey === API.AddPartitionsToTxn)
    expect(add.length).toBeGreaterThan(0)
    expect(add.map((r) => r.apiVersion)).toEqual(add.map(() => 3))
    expect(add[0].fields).toMatchObject({
      transactionalId: 'tx-v3',
      topics: [{ name: 'out', partitions: [0] }],
    })
  })

  it.each([
    ['a frame too short to hold a correlation id', () => Buffer.from([0, 0])],
    [
      'a Metadata answer cut short',
      (c: number) => Buffer.concat([int32(c), Buffer.from([0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0xff])]),
    ],
  ])('%s with retries 0 fails the query, and nothing escapes as uncaught', async (_, answer) => {
    const b = await broker({
      topics: { out: 1 },
      rawAnswer: (api, c) => (api === API.Metadata ? answer(c) : undefined),
    })
    const uncaught: unknown[] = []
    const onUncaught = (e: unknown) => uncaught.push(e)
    process.on('uncaughtException', onUncaught)
    onCleanup(() => void process.off('uncaughtException', onUncaught))
    const start = newSession()
      .readStream.format('kafka')
      .options({ 'kafka.bootstrap.servers': b.address, subscribe: 'out', 'kafka.retries': 0 })
      .load()
      .writeStream.format('memory')
      .queryName('wire')
      .option('checkpointLocation', tempDir())
      .start()
    await expect(start).rejects.toThrow(
      /KAFKA_ERROR: Kafka failed while listing topics: .*(cannot read|Cannot read)/,
    )
    await new Promise((r) => setTimeout(r, 50))
    expect(uncaught).toEqual([])
  })
})
