import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { numberVector, objectVector, take, type Vector, valueAt } from '../../src/batch/vector.js'
import { accumulatorFor } from '../../src/exec/aggregate/functions.js'
import { type DataType, DoubleType, LongType, StringType } from '../../src/types/data-types.js'

const values = (v: Vector) => Array.from({ length: v.length }, (_, i) => valueAt(v, i))

/** Rows of (group, value or null), a few groups, values that repeat, NaN and -0 among them. */
const rows = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 7 }),
    fc.option(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(Number.NaN, -0, 0.5)), { nil: null }),
  ),
  { maxLength: 300 },
)

function numberInput(rs: readonly [number, number | null][]): { ids: Int32Array; v: Vector } {
  const validity = Uint8Array.from(rs, ([, x]) => (x === null ? 0 : 1))
  return {
    ids: Int32Array.from(rs, ([g]) => g),
    v: numberVector(
      DoubleType,
      Float64Array.from(rs, ([, x]) => x ?? Number.NaN),
      validity.every((b) => b === 1) ? null : validity,
    ),
  }
}

describe('accumulators', () => {
  it('count_distinct over a number column equals the general path over the same values as objects', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const { ids, v } = numberInput(rs)
        const fast = accumulatorFor('count_distinct', [DoubleType], {})
        const general = accumulatorFor('count_distinct', [DoubleType], {})
        fast.update(ids, 8, [v], rs.length)
        general.update(
          ids,
          8,
          [
            objectVector(
              DoubleType,
              rs.map(([, x]) => x),
            ),
          ],
          rs.length,
        )
        expect(values(fast.result(8))).toEqual(values(general.result(8)))
        // The reference: distinct non-null values per group, NaN one value, -0 = 0.
        const want = Array.from(
          { length: 8 },
          (_, g) => new Set(rs.filter(([h, x]) => h === g && x !== null).map(([, x]) => x)).size,
        )
        expect(values(fast.result(8))).toEqual(want)
      }),
    )
  })

  const cases: [string, DataType[], (rs: [number, number | null][]) => Vector[]][] = [
    ['count', [], () => []],
    ['count', [DoubleType], (rs) => [numberInput(rs).v]],
    ['sum', [LongType], (rs) => [numberInput(rs).v]],
    ['avg', [DoubleType], (rs) => [numberInput(rs).v]],
    ['max', [DoubleType], (rs) => [numberInput(rs).v]],
    ['min', [DoubleType], (rs) => [numberInput(rs).v]],
    [
      'max',
      [StringType],
      (rs) => [
        objectVector(
          StringType,
          rs.map(([, x]) => (x === null ? null : `s${x}`)),
        ),
      ],
    ],
    ['count_distinct', [DoubleType], (rs) => [numberInput(rs).v]],
  ]
  for (const [name, types, inputs] of cases) {
    it(`${name}(${types.map((t) => t.kind).join(', ')}): resultAt(ids) is result() taken at ids`, () => {
      fc.assert(
        fc.property(rows, fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 12 }), (rs, pick) => {
          const acc = accumulatorFor(name, types, {})
          acc.update(
            Int32Array.from(rs, ([g]) => g),
            8,
            inputs(rs),
            rs.length,
          )
          const ids = Int32Array.from(pick)
          expect(acc.resultAt).toBeDefined()
          expect(values(acc.resultAt!(ids))).toEqual(values(take(acc.result(8), ids)))
        }),
      )
    })
  }
})
