/**
 * Stream-static joins: each micro-batch of the stream probes the static side, which is
 * read and hashed once per query run. The join types Spark allows, and the refusals of
 * the ones it does not, with their rule.
 */
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  AddData,
  AssertOnQuery,
  CheckAnswer,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const customers = schema({ customerId: 'string', name: 'string', tier: 'string' })
const orders = schema({ orderId: 'long', customerId: 'string', amount: 'double', ts: 'timestamp' })
const at = (hhmm: string) => new Date(`2026-03-01T${hhmm}:00Z`)
const order = (orderId: number, customerId: string, amount: number, hhmm = '10:00') => ({
  orderId,
  customerId,
  amount,
  ts: at(hhmm),
})

function setup() {
  const session = newSession()
  const table = session.createDataFrame(
    [
      { customerId: 'c1', name: 'Ada', tier: 'gold' },
      { customerId: 'c2', name: 'Bob', tier: 'silver' },
    ],
    customers,
  )
  const stream = new MemoryStream(session, orders)
  return { session, table, stream }
}

describe('stream-static joins', () => {
  it('inner: each batch of orders is enriched with the customer table', async () => {
    const { table, stream } = setup()
    const enriched = stream.toDF().join(table, 'customerId').select('orderId', 'name', 'amount')
    await testStream(
      enriched,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c1', 10), order(2, 'c9', 20)),
      CheckNewAnswer({ orderId: 1, name: 'Ada', amount: 10 }),
      AddData(stream, order(3, 'c2', 30), order(4, 'c1', 40)),
      CheckNewAnswer({ orderId: 3, name: 'Bob', amount: 30 }, { orderId: 4, name: 'Ada', amount: 40 }),
      StopStream,
      StartStream(),
      AddData(stream, order(5, 'c2', 50)),
      CheckNewAnswer({ orderId: 5, name: 'Bob', amount: 50 }),
      AssertOnQuery(
        (q) => q.lastProgress?.stateOperators.length === 0,
        'a stream-static join keeps no state',
      ),
    )
  })

  it('left outer with the stream on the left: unmatched orders come out at once, with nulls', async () => {
    const { table, stream } = setup()
    const enriched = stream.toDF().join(table, 'customerId', 'left').select('orderId', 'name')
    await testStream(
      enriched,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c1', 10), order(2, 'c9', 20)),
      CheckNewAnswer({ orderId: 1, name: 'Ada' }, { orderId: 2, name: null }),
    )
  })

  it('right outer with the static side on the left', async () => {
    const { table, stream } = setup()
    const enriched = table.join(stream.toDF(), 'customerId', 'right_outer').select('orderId', 'tier')
    await testStream(
      enriched,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c2', 10), order(2, 'c9', 20)),
      CheckNewAnswer({ orderId: 1, tier: 'silver' }, { orderId: 2, tier: null }),
    )
  })

  it('left semi and left anti with the stream on the left', async () => {
    const { table, stream } = setup()
    const known = stream.toDF().join(table, 'customerId', 'left_semi').select('orderId')
    const unknown = stream.toDF().join(table, 'customerId', 'left_anti').select('orderId')
    await testStream(
      known,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c1', 10), order(2, 'c9', 20), order(3, 'c2', 5)),
      CheckAnswer({ orderId: 1 }, { orderId: 3 }),
    )
    await testStream(
      unknown,
      { outputMode: 'append' },
      AddData(stream, order(4, 'c1', 10)),
      CheckAnswer({ orderId: 2 }),
    )
  })

  it('a condition with a residual over both sides, and a broadcast hint shown by explain', async () => {
    const { session, stream } = setup()
    const limits = session.createDataFrame(
      [
        { customerId: 'c1', limit: 25 },
        { customerId: 'c2', limit: 100 },
      ],
      schema({ customerId: 'string', limit: 'double' }),
    )
    const over = stream
      .toDF()
      .alias('o')
      .join(
        F.broadcast(limits.alias('l')),
        col('o.customerId')
          .eq(col('l.customerId'))
          .and(col('amount').gt(col('limit'))),
      )
      .select('orderId', 'limit')
    expect(over.explain(true)).toMatch(/BroadcastHashJoin \[customerId\], \[customerId\], Inner, BuildRight/)
    await testStream(
      over,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c1', 10), order(2, 'c1', 30), order(3, 'c2', 30)),
      CheckNewAnswer({ orderId: 2, limit: 25 }),
    )
  })

  it('reads a static file side once per run: a changed file is seen after a restart', async () => {
    const { session, stream } = setup()
    const dir = tempDir()
    const file = path.join(dir, 'customers.csv')
    writeFileSync(file, 'customerId,name,tier\nc1,Ada,gold\n')
    const table = session.read.option('header', true).schema(customers).csv(file)
    const enriched = stream.toDF().join(table, 'customerId', 'left').select('orderId', 'name')
    expect(enriched.explain()).toContain('StaticRelation (read once per run)')
    await testStream(
      enriched,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c1', 10)),
      CheckNewAnswer({ orderId: 1, name: 'Ada' }),
      AssertOnQuery(() => {
        writeFileSync(file, 'customerId,name,tier\nc1,Ada Lovelace,gold\nc2,Bob,silver\n')
        return true
      }),
      AddData(stream, order(2, 'c2', 10)),
      // Same run: the table as first read.
      CheckNewAnswer({ orderId: 2, name: null }),
      StopStream,
      StartStream(),
      AddData(stream, order(3, 'c2', 10), order(4, 'c1', 1)),
      CheckNewAnswer({ orderId: 3, name: 'Bob' }, { orderId: 4, name: 'Ada Lovelace' }),
      AssertOnQuery(
        (q) => q.lastProgress?.sources.length === 1,
        'the static file is not a source of the streaming query (no offsets, no checkpoint slot)',
      ),
    )
  })

  it('keeps the stream’s watermark: a windowed count after the join in append mode', async () => {
    const { table, stream } = setup()
    const perTier = stream
      .toDF()
      .withWatermark('ts', '10 minutes')
      .join(table, 'customerId')
      .groupBy(F.window(col('ts'), '30 minutes'), 'tier')
      .agg(count().alias('orders'))
    await testStream(
      perTier,
      { outputMode: 'append' },
      AddData(stream, order(1, 'c1', 10, '10:01'), order(2, 'c2', 10, '10:02'), order(3, 'c1', 10, '10:20')),
      CheckNewAnswer(),
      AddData(stream, order(4, 'c1', 10, '11:00')),
      CheckNewAnswer(
        { window: { start: at('10:00'), end: at('10:30') }, tier: 'gold', orders: 2 },
        { window: { start: at('10:00'), end: at('10:30') }, tier: 'silver', orders: 1 },
      ),
    )
  })
})

describe('stream-static join types Spark refuses', () => {
  /** Starts a query on any DataFrame: only its writeStream is used. */
  const start = (df: {
    writeStream: { format(f: string): { queryName(n: string): { start(): Promise<unknown> } } }
  }) => df.writeStream.format('memory').queryName('refused').start()

  it('full outer, right outer with the stream on the left; left outer and semi with the stream on the right', async () => {
    const { table, stream } = setup()
    const s = stream.toDF()
    await expect(start(s.join(table, 'customerId', 'full'))).rejects.toThrow(
      /STREAM_STATIC_JOIN_NOT_SUPPORTED: FullOuter join with a streaming DataFrame on the left/,
    )
    await expect(start(s.join(table, 'customerId', 'right'))).rejects.toThrow(
      /STREAM_STATIC_JOIN_NOT_SUPPORTED: RightOuter/,
    )
    await expect(start(table.join(s, 'customerId', 'left'))).rejects.toThrow(
      /STREAM_STATIC_JOIN_NOT_SUPPORTED: LeftOuter join with a streaming DataFrame on the right and a static DataFrame on the left.*RightOuter/,
    )
    await expect(start(table.join(s, 'customerId', 'semi'))).rejects.toThrow(
      /STREAM_STATIC_JOIN_NOT_SUPPORTED: LeftSemi/,
    )
    await expect(start(table.join(s, 'customerId', 'anti'))).rejects.toThrow(
      /STREAM_STATIC_JOIN_NOT_SUPPORTED: LeftAnti/,
    )
  })
})
