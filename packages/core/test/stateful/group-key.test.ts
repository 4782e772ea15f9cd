/**
 * groupByKey keys are told apart exactly: NaN, Infinity, -Infinity, null, undefined and
 * the string "NaN" are six keys, where JSON text made four of them one.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AddData, CheckNewAnswer, StartStream, StopStream, testStream } from '../../../testing/src/index.js'
import { groupKeyText } from '../../src/exec/group-key.js'
import { type GroupState, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const input = schema({ k: 'string' })
const out = schema({ key: 'string', n: 'long' })

/** The key a row names: the special values by name, other text as itself. */
const special: Record<string, unknown> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  ninf: Number.NEGATIVE_INFINITY,
  null: null,
  undef: undefined,
  zero: 0,
  nzero: -0,
}
const keyOf = (k: string): unknown => (k in special ? special[k] : k)

describe('groupByKey keys', () => {
  it('NaN, ±Infinity, null, undefined and "NaN" are separate groups, -0 is 0, across a restart', async () => {
    const session = newSession()
    const stream = new MemoryStream(session, input)
    const counts = stream
      .toDF()
      .groupByKey((r) => keyOf(r.k))
      .mapGroupsWithState(
        'NoTimeout',
        (key: unknown, rows: { k: string }[], state: GroupState<number>) => {
          const n = (state.getOption() ?? 0) + rows.length
          state.update(n)
          return { key: String(key), n }
        },
        out,
      )
    const all = ['nan', 'inf', 'ninf', 'null', 'undef', 'NaN', 'zero', 'nzero']
    await testStream(
      counts,
      { outputMode: 'update' },
      AddData(stream, ...all.map((k) => ({ k }))),
      CheckNewAnswer(
        { key: 'NaN', n: 1 },
        { key: 'Infinity', n: 1 },
        { key: '-Infinity', n: 1 },
        { key: 'null', n: 1 },
        { key: 'undefined', n: 1 },
        { key: 'NaN', n: 1 },
        // -0 and 0 are one key, as in Spark's grouping and in dropDuplicates and joins.
        { key: '0', n: 2 },
      ),
      StopStream,
      AddData(stream, { k: 'nan' }, { k: 'null' }, { k: 'inf' }, { k: 'ninf' }, { k: 'nzero' }),
      StartStream(),
      CheckNewAnswer(
        { key: 'NaN', n: 2 },
        { key: 'null', n: 2 },
        { key: 'Infinity', n: 2 },
        { key: '-Infinity', n: 2 },
        { key: '0', n: 3 },
      ),
    )
  })

  it('is JSON text for JSON values, so state stored under JSON ids keeps its keys (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        // fast-check's jsonValue has -0, which JSON.stringify also writes as 0.
        expect(groupKeyText(v)).toBe(JSON.stringify(v))
      }),
    )
  })

  it('different keys get different text (property)', () => {
    const key = fc.oneof(
      fc.double(),
      fc.string(),
      fc.constantFrom(null, undefined, true, false),
      fc.array(fc.oneof(fc.double(), fc.string(), fc.constant(undefined)), { maxLength: 3 }),
    )
    fc.assert(
      fc.property(key, key, (a, b) => {
        const same = Object.is(a, b) || (a === 0 && b === 0) || JSON.stringify([a]) === JSON.stringify([b])
        const sameText = groupKeyText(a) === groupKeyText(b)
        if (sameText) expect(same || (Array.isArray(a) && Array.isArray(b))).toBe(true)
        if (typeof a !== 'object' && typeof b !== 'object' && sameText) {
          expect(Object.is(a, b) || (a === 0 && b === 0)).toBe(true)
        }
      }),
    )
  })
})
