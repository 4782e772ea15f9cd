/**
 * A string column crosses threads exactly as it was, whether it goes as text and offsets or
 * as a dictionary of its distinct values and one code per row (few distinct values).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { objectVector, valueAt } from '../../src/batch/vector.js'
import { decodeVector, encodeVector } from '../../src/executor/batch-codec.js'
import { StringType } from '../../src/types/data-types.js'

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('\ud83d', '"q"', ''))

describe('string columns between threads', () => {
  it('come back value for value, nulls included, as text or as a dictionary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(text, { nil: null }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 3_000 }),
        (pool, picks) => {
          // Values drawn from a small pool (a dictionary) or all of the pool itself (text).
          for (const values of [picks.map((p) => pool[p % pool.length]), pool]) {
            const encoded = encodeVector(objectVector(StringType, values))
            if (values.length >= 64 && values.length > 4 * pool.length) expect(encoded.kind).toBe('dict')
            const back = decodeVector(encoded)
            expect(Array.from({ length: values.length }, (_, i) => valueAt(back, i))).toEqual(values)
          }
        },
      ),
      { numRuns: 50 },
    )
  })
})
