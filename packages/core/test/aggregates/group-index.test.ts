import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { numberVector, objectVector, type Vector } from '../../src/batch/vector.js'
import { GroupIndex } from '../../src/exec/group-index.js'
import { DoubleType, LongType, StringType } from '../../src/types/data-types.js'

/** The reference: ids in first-seen order over keys compared as Spark groups them (-0 = 0, NaN = NaN). */
function referenceIds(batches: readonly (readonly number[][])[]): number[][] {
  const seen = new Map<string, number>()
  const norm = (x: number) => (Number.isNaN(x) ? 'NaN' : String(x === 0 ? 0 : x))
  return batches.map((rows) =>
    rows.map((row) => {
      const key = row.map(norm).join('|')
      let id = seen.get(key)
      if (id === undefined) {
        id = seen.size
        seen.set(key, id)
      }
      return id
    }),
  )
}

const special = fc.constantFrom(0, -0, Number.NaN, 1, -1, 2 ** 53, -(2 ** 53), 1.5, 1e300, Number.MIN_VALUE)
const value = fc.oneof(fc.integer({ min: -50, max: 50 }), special)

describe('GroupIndex over numeric keys', () => {
  for (const columns of [1, 2, 3]) {
    it(`gives the first-seen ids of ${columns} key column(s), across batches and table growth`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.array(fc.array(value, { minLength: columns, maxLength: columns }), { maxLength: 400 }),
            {
              minLength: 1,
              maxLength: 6,
            },
          ),
          (batches) => {
            const index = new GroupIndex(Array.from({ length: columns }, () => DoubleType))
            const expected = referenceIds(batches)
            batches.forEach((rows, b) => {
              const keys = Array.from({ length: columns }, (_, c) =>
                numberVector(
                  DoubleType,
                  Float64Array.from(rows, (r) => r[c]),
                ),
              )
              expect(Array.from(index.assign(keys, rows.length))).toEqual(expected[b])
            })
            const groups = index.numGroups
            expect(groups).toBe(new Set(expected.flat()).size)
            // Keys read back by id agree with the keys that made the group.
            const all = batches.flat()
            const ids = expected.flat()
            ids.forEach((id, i) => {
              for (let c = 0; c < columns; c++) {
                const got = index.keyValue(c, id) as number
                const want = all[i][c]
                expect(
                  Number.isNaN(want) ? Number.isNaN(got) : got === want || (got === 0 && want === 0),
                ).toBe(true)
              }
            })
          },
        ),
        { numRuns: 60 },
      )
    })
  }

  it('keeps 100 000 distinct pairs apart (the table grows many times)', () => {
    const index = new GroupIndex([LongType, LongType])
    const n = 100_000
    const a = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 7))
    const b = Float64Array.from({ length: n }, (_, i) => i % 7)
    const ids = index.assign([numberVector(LongType, a), numberVector(LongType, b)], n)
    expect(index.numGroups).toBe(n)
    expect(Array.from(ids)).toEqual(Array.from({ length: n }, (_, i) => i))
    // Again, in reverse: every row finds its group.
    const again = index.assign(
      [numberVector(LongType, a.slice().reverse()), numberVector(LongType, b.slice().reverse())],
      n,
    )
    expect(again[0]).toBe(n - 1)
    expect(again[n - 1]).toBe(0)
    expect(index.numGroups).toBe(n)
  })

  it('keeps ids when a later batch brings nulls or strings (the general path)', () => {
    const index = new GroupIndex([LongType, StringType])
    const first: Vector[] = [
      numberVector(LongType, Float64Array.of(1, 2)),
      objectVector(StringType, ['a', 'b']),
    ]
    expect(Array.from(index.assign(first, 2))).toEqual([0, 1])
    const second: Vector[] = [
      numberVector(LongType, Float64Array.of(2, 0, 1), Uint8Array.of(1, 0, 1)),
      objectVector(StringType, ['b', 'a', null]),
    ]
    expect(Array.from(index.assign(second, 3))).toEqual([1, 2, 3])
    expect(
      index
        .keyVectorsAt(Int32Array.of(3, 2, 0))
        .map((v) =>
          [0, 1, 2].map((i) =>
            v.kind === 'object' ? v.values[i] : v.validity?.[i] === 0 ? null : v.values[i],
          ),
        ),
    ).toEqual([
      [1, null, 1],
      [null, 'a', 'a'],
    ])
  })
})
