/**
 * The shuffle's hash must send every key to the partition where the operator's state keeps
 * it: keyPartitions (FNV-1a over the would-be key text, without building it) equals
 * partitionOf(key text) for every row, for the aggregation's key text and for
 * dropDuplicates', over numbers of every kind, strings JSON must escape, nulls and booleans.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { boolVector, numberVector, objectVector, type Vector, valueAt } from '../../src/batch/vector.js'
import { stateKeyOf } from '../../src/exec/aggregate/streaming-aggregate.js'
import { keyTextOf } from '../../src/exec/dedup-key.js'
import { keyPartitions } from '../../src/exec/key-partitions.js'
import { partitionOf } from '../../src/state/state-manager.js'
import { BooleanType, DoubleType, LongType, StringType } from '../../src/types/data-types.js'

const number = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 1e21),
)
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\n', '\ud800', 'é'),
)

function column(kind: number, n: number): fc.Arbitrary<Vector> {
  switch (kind) {
    case 0:
      return fc.array(fc.option(number, { nil: null }), { minLength: n, maxLength: n }).map((xs) =>
        numberVector(
          kind === 0 ? LongType : DoubleType,
          Float64Array.from(xs, (x) => x ?? 0),
          xs.some((x) => x === null) ? Uint8Array.from(xs, (x) => (x === null ? 0 : 1)) : null,
        ),
      )
    case 1:
      return fc
        .array(fc.option(text, { nil: null }), { minLength: n, maxLength: n })
        .map((xs) => objectVector(StringType, xs))
    default:
      return fc
        .array(fc.boolean(), { minLength: n, maxLength: n })
        .map((xs) => boolVector(BooleanType, Uint8Array.from(xs, Number)))
  }
}

const keyColumns = fc
  .record({
    n: fc.integer({ min: 1, max: 30 }),
    kinds: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
  })
  .chain(({ n, kinds }) => fc.tuple(fc.constant(n), fc.tuple(...kinds.map((k) => column(k, n)))))

describe('keyPartitions', () => {
  it("equals partitionOf of dropDuplicates' key text", () => {
    fc.assert(
      fc.property(keyColumns, fc.integer({ min: 1, max: 64 }), ([n, cols], partitions) => {
        const textOf = keyTextOf(cols)
        const got = keyPartitions(cols, n, partitions, textOf)
        for (let r = 0; r < n; r++) expect(got[r]).toBe(partitionOf(textOf(r), partitions))
      }),
      { numRuns: 300 },
    )
  })

  it("equals partitionOf of the aggregation's state key", () => {
    fc.assert(
      fc.property(keyColumns, fc.integer({ min: 1, max: 64 }), ([n, cols], partitions) => {
        const textOf = (r: number) => stateKeyOf(cols.map((c) => valueAt(c, r)))
        const got = keyPartitions(cols, n, partitions, textOf)
        for (let r = 0; r < n; r++) expect(got[r]).toBe(partitionOf(textOf(r), partitions))
      }),
      { numRuns: 300 },
    )
  })
})
