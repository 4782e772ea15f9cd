/** Record batches of a fetch response into records: markers, aborted transactions, timestamps. */
import { describe, expect, it } from 'vitest'
import { decodeBatches, type FetchedBatch } from '../src/platformatic/decode.js'

const enc = new TextEncoder()
const TRANSACTIONAL = 1 << 4
const CONTROL = 1 << 5
const LOG_APPEND_TIME = 1 << 3

function batch(
  first: number,
  values: string[],
  opts: { attributes?: number; producerId?: bigint; maxTimestamp?: bigint } = {},
): FetchedBatch {
  return {
    firstOffset: BigInt(first),
    lastOffsetDelta: values.length - 1,
    attributes: opts.attributes ?? 0,
    firstTimestamp: 1000n,
    maxTimestamp: opts.maxTimestamp ?? 1000n + BigInt(values.length - 1),
    producerId: opts.producerId ?? -1n,
    records: values.map((v, i) => ({
      offsetDelta: i,
      timestampDelta: BigInt(i),
      key: null,
      value: enc.encode(v),
      headers: [[enc.encode('h'), null]],
    })),
  }
}

/** A transaction marker: key = version 0, type 0 (abort) or 1 (commit). */
function marker(offset: number, producerId: bigint, commit: boolean): FetchedBatch {
  const key = new Uint8Array([0, 0, 0, commit ? 1 : 0])
  return {
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    attributes: TRANSACTIONAL | CONTROL,
    firstTimestamp: 0n,
    maxTimestamp: 0n,
    producerId,
    records: [{ offsetDelta: 0, timestampDelta: 0n, key, value: null, headers: [] }],
  }
}

const dec = new TextDecoder()
const values = (r: ReturnType<typeof decodeBatches>) =>
  r.records.map((x) => `${x.offset}:${dec.decode(x.value!)}`)

describe('decodeBatches', () => {
  it('numbers records from the batch, drops those before the requested offset, and says where to go on', () => {
    const r = decodeBatches([batch(10, ['a', 'b', 'c']), batch(13, ['d'])], 11, false, [])
    expect(values(r)).toEqual(['11:b', '12:c', '13:d'])
    expect(r.nextOffset).toBe(14)
    expect(r.records[0].timestamp).toBe(1001)
    expect(r.records[0].timestampType).toBe(0)
    expect(r.records[0].headers).toEqual([{ key: 'h', value: null }])
    expect(r.records[0].value!.constructor).toBe(Uint8Array)
  })

  it('uses the batch max timestamp for LogAppendTime', () => {
    const r = decodeBatches(
      [batch(0, ['a', 'b'], { attributes: LOG_APPEND_TIME, maxTimestamp: 5000n })],
      0,
      false,
      [],
    )
    expect(r.records.map((x) => [x.timestamp, x.timestampType])).toEqual([
      [5000, 1],
      [5000, 1],
    ])
  })

  it('skips transaction markers but counts their offsets', () => {
    const r = decodeBatches(
      [batch(0, ['a'], { attributes: TRANSACTIONAL, producerId: 7n }), marker(1, 7n, true)],
      0,
      false,
      [],
    )
    expect(values(r)).toEqual(['0:a'])
    expect(r.nextOffset).toBe(2)
  })

  it('read_committed drops the batches of aborted transactions until their abort marker', () => {
    const batches = [
      batch(0, ['p7-aborted-1'], { attributes: TRANSACTIONAL, producerId: 7n }),
      batch(1, ['p8-committed'], { attributes: TRANSACTIONAL, producerId: 8n }),
      batch(2, ['p7-aborted-2'], { attributes: TRANSACTIONAL, producerId: 7n }),
      marker(3, 7n, false),
      marker(4, 8n, true),
      batch(5, ['p7-later-committed'], { attributes: TRANSACTIONAL, producerId: 7n }),
      batch(6, ['plain']),
    ]
    const aborted = [{ producerId: 7n, firstOffset: 0n }]
    expect(values(decodeBatches(batches, 0, true, aborted))).toEqual([
      '1:p8-committed',
      '5:p7-later-committed',
      '6:plain',
    ])
    // read_uncommitted sees everything that is not a marker.
    expect(values(decodeBatches(batches, 0, false, aborted))).toEqual([
      '0:p7-aborted-1',
      '1:p8-committed',
      '2:p7-aborted-2',
      '5:p7-later-committed',
      '6:plain',
    ])
  })
})
