/**
 * A union of two watermarked streams follows tributary.streaming.multipleWatermarkPolicy:
 * the query's watermark is the minimum of the inputs' watermarks (the default, safe for
 * the slower input) or the maximum (faster output; the slower input's rows turn late).
 */
import { describe, expect, it } from 'vitest'
import { col, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const at = (hhmm: string) => new Date(`2026-06-01T${hhmm}:00Z`)
const events = schema({ device: 'string', ts: 'timestamp' })

async function run(policy: 'min' | 'max') {
  const session = newSession({ 'tributary.streaming.multipleWatermarkPolicy': policy })
  const fast = new MemoryStream(session, events)
  const slow = new MemoryStream(session, events)
  const counts = fast
    .toDF()
    .withWatermark('ts', '10 minutes')
    .union(slow.toDF().withWatermark('ts', '10 minutes'))
    .groupBy(F.window(col('ts'), '10 minutes'))
    .agg(count().alias('n'))
  const q = await counts.writeStream.format('memory').queryName(`union_${policy}`).start()
  fast.addData([{ device: 'f', ts: at('12:30') }])
  slow.addData([{ device: 's', ts: at('12:00') }])
  await q.processAllAvailable()
  const watermark = q.lastProgress?.eventTime.watermark
  // The slow input catches up with a row of 12:05.
  slow.addData([{ device: 's', ts: at('12:05') }])
  await q.processAllAvailable()
  const dropped = q.recentProgress.reduce(
    (n, p) => n + (p.stateOperators[0]?.numRowsDroppedByWatermark ?? 0),
    0,
  )
  await q.stop()
  const written = (await session.table(`union_${policy}`).collect()) as {
    window: { start: Date }
    n: number
  }[]
  return {
    watermark,
    dropped,
    written: written.map((r) => [r.window.start.toISOString().slice(11, 16), r.n]),
  }
}

describe('union of watermarked streams and the multiple-watermark policy', () => {
  it('min: the watermark follows the slower input, whose rows stay on time', async () => {
    const r = await run('min')
    expect(r.watermark).toBe(at('11:50').toISOString())
    expect(r.dropped).toBe(0)
    // Nothing closed yet: the slower input holds the watermark at 11:55.
    expect(r.written).toEqual([])
  })

  it('max: the watermark follows the faster input; the slower input’s rows are late', async () => {
    const r = await run('max')
    expect(r.watermark).toBe(at('12:20').toISOString())
    expect(r.dropped).toBe(1)
    expect(r.written).toEqual([['12:00', 1]])
  })
})
