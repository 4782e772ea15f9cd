/**
 * What flatMapGroupsWithState's function receives, now that rows come from a generated
 * row reader and keys are grouped through a cache of their JSON ids: the same row objects
 * as ColumnarBatch.row(i), the same groups as grouping by JSON.stringify(key), and timeouts
 * set again in a timeout call still fire (the earliest timeout is found in one pass).
 */
import { describe, expect, it } from 'vitest'
import { AddData, AdvanceManualClock, CheckNewAnswer, testStream } from '../../../testing/src/index.js'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { rowReader } from '../../src/batch/row-reader.js'
import { type GroupState, ManualClock, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

describe('rowReader', () => {
  it('builds the same rows as ColumnarBatch.row, for every storage, with and without nulls', () => {
    const s = schema({
      n: 'double',
      l: 'long',
      ts: 'timestamp',
      d: 'date',
      b: 'boolean',
      str: 'string',
      arr: { array: 'long' },
      st: { struct: { x: 'long', y: 'string' } },
    })
    const full = {
      n: 1.5,
      l: 7,
      ts: new Date(Date.UTC(2026, 0, 1, 12)),
      d: new Date(Date.UTC(2026, 0, 2)),
      b: true,
      str: 'a',
      arr: [1, 2],
      st: { x: 1, y: 'y' },
    }
    const nulls = Object.fromEntries(Object.keys(full).map((k) => [k, null]))
    for (const rows of [
      [full, { ...full, b: false, n: Number.NaN }],
      [full, nulls, { ...full, str: '' }],
    ]) {
      const batch = ColumnarBatch.fromRows(s, rows as never[])
      const read = rowReader(batch)
      for (let i = 0; i < batch.numRows; i++) {
        const expected = batch.row(i) as Record<string, unknown>
        const got = read(i) as Record<string, unknown>
        expect(got).toEqual(expected)
        expect(Object.keys(got)).toEqual(Object.keys(expected))
        expect(Object.getPrototypeOf(got)).toBe(Object.prototype)
        // A new Date per row: the user may change it.
        if (got.ts !== null) expect(got.ts).not.toBe(read(i).ts)
      }
    }
  })

  it('keeps odd field names as fields: quotes, dots, digits, __proto__', () => {
    // JSON.parse makes `__proto__` an own field (an object literal would set the prototype).
    const s = schema(
      JSON.parse('{"a\\"b": "long", "x.y": "string", "0": "long", "__proto__": "string", "é ü": "boolean"}'),
    )
    expect(s.names).toContain('__proto__')
    const batch = ColumnarBatch.fromRows(s, [
      JSON.parse('{"a\\"b": 1, "x.y": "p", "0": 2, "__proto__": "q", "é ü": true}'),
    ] as never[])
    const got = rowReader(batch)(0) as Record<string, unknown>
    expect(got).toEqual(batch.row(0))
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toBe('q')
    expect(got['a"b']).toBe(1)
  })
})

describe('flatMapGroupsWithState groups and timeouts', () => {
  const events = schema({ k: 'string', v: 'double', ts: 'timestamp' })
  type Ev = { k: string; v: number; ts: Date }
  const ev = (k: string, v: number): Ev => ({ k, v, ts: new Date(Date.UTC(2026, 0, 1, 12)) })

  it('groups keys as their JSON text does: 1 and "1" apart, -0 with 0, equal objects together', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const out = schema({ key: 'string', n: 'long', vs: 'string' })
    const grouped = input
      .toDF()
      .groupByKey((r) => (r.k === 'num' ? r.v : r.k === 'str' ? String(r.v) : { v: r.v }) as unknown)
      .flatMapGroupsWithState(
        'update',
        'NoTimeout',
        (key: unknown, rows: Ev[], state: GroupState<number>) => {
          state.update((state.getOption() ?? 0) + rows.length)
          return [
            {
              key: `${typeof key}:${JSON.stringify(key)}${Object.is(key, -0) ? '(-0)' : ''}`,
              n: state.get(),
              vs: rows.map((r) => r.v).join(','),
            },
          ]
        },
        out,
      )
    await testStream(
      grouped,
      { outputMode: 'update' },
      AddData(
        input,
        ev('num', 1),
        ev('str', 1),
        ev('num', -0),
        ev('num', 0),
        ev('obj', 2),
        ev('obj', 2),
        ev('num', 1),
      ),
      CheckNewAnswer(
        { key: 'number:1', n: 2, vs: '1,1' },
        { key: 'string:"1"', n: 1, vs: '1' },
        // The key handed to the function is the first one seen.
        { key: 'number:0(-0)', n: 2, vs: '0,0' },
        { key: 'object:{"v":2}', n: 2, vs: '2,2' },
      ),
      AddData(input, ev('num', 0), ev('str', 1)),
      CheckNewAnswer({ key: 'number:0', n: 3, vs: '0' }, { key: 'string:"1"', n: 2, vs: '1' }),
    )
  })

  it('fires again a processing-time timeout set again in a timeout call, in batches without data', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const clock = new ManualClock(1_000_000)
    const out = schema({ k: 'string', fired: 'long' })
    const ticking = input
      .toDF()
      .groupByKey((r) => r.k)
      .flatMapGroupsWithState(
        'update',
        'ProcessingTimeTimeout',
        (k: string, _rows: Ev[], state: GroupState<number>) => {
          if (state.hasTimedOut) {
            const fired = state.get() + 1
            if (fired < 3) {
              state.update(fired)
              state.setTimeoutDuration('10 seconds')
            } else state.remove()
            return [{ k, fired }]
          }
          state.update(state.getOption() ?? 0)
          state.setTimeoutDuration('10 seconds')
          return []
        },
        out,
      )
    await testStream(
      ticking,
      { outputMode: 'update', trigger: { processingTime: '1 second' }, clock },
      AddData(input, ev('a', 1)),
      AdvanceManualClock(1000),
      CheckNewAnswer(),
      AdvanceManualClock(11_000),
      CheckNewAnswer({ k: 'a', fired: 1 }),
      AdvanceManualClock(11_000),
      CheckNewAnswer({ k: 'a', fired: 2 }),
      AdvanceManualClock(11_000),
      CheckNewAnswer({ k: 'a', fired: 3 }),
      AdvanceManualClock(11_000),
      CheckNewAnswer(),
    )
  })
})
