/**
 * except, exceptAll, intersect and intersectAll on batch DataFrames, as Spark's
 * DataFrameSetOperationsSuite has them (rows by position, nulls equal), and their refusal
 * on streams.
 */
import { describe, expect, it } from 'vitest'
import { MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const s2 = schema({ a: 'long', b: 'string' })
const rows = (...xs: [number | null, string | null][]) =>
  xs.map(([a, b]) => ({ a, b }) as { a: number; b: string })
const sorted = (xs: unknown[]) => [...xs].map((x) => JSON.stringify(x)).sort()

describe('set operations', () => {
  const left = rows([1, 'x'], [1, 'x'], [2, 'y'], [null, 'n'], [3, null], [3, null], [3, null])
  const right = rows([1, 'x'], [null, 'n'], [3, null], [4, 'z'])

  it('except: distinct left rows not on the right, nulls equal', async () => {
    const s = newSession()
    const out = await s.createDataFrame(left, s2).except(s.createDataFrame(right, s2)).collect()
    expect(sorted(out)).toEqual(sorted(rows([2, 'y'])))
  })

  it('exceptAll: duplicates kept, each as often as it occurs more on the left', async () => {
    const s = newSession()
    const out = await s.createDataFrame(left, s2).exceptAll(s.createDataFrame(right, s2)).collect()
    expect(sorted(out)).toEqual(sorted(rows([1, 'x'], [2, 'y'], [3, null], [3, null])))
  })

  it('intersect and intersectAll', async () => {
    const s = newSession()
    const l = s.createDataFrame(left, s2)
    const r = s.createDataFrame([...right, ...rows([3, null])], s2)
    expect(sorted(await l.intersect(r).collect())).toEqual(sorted(rows([1, 'x'], [null, 'n'], [3, null])))
    expect(sorted(await l.intersectAll(r).collect())).toEqual(
      sorted(rows([1, 'x'], [null, 'n'], [3, null], [3, null])),
    )
  })

  it('names come from the left, columns match by position; mismatched shapes are refused', async () => {
    const s = newSession()
    const other = s.createDataFrame([{ c: 2, d: 'y' }], schema({ c: 'long', d: 'string' }))
    const out = await s
      .createDataFrame(left, s2)
      .intersect(other as never)
      .collect()
    expect(out).toEqual(rows([2, 'y']))
    const narrow = s.createDataFrame([{ a: 1 }], schema({ a: 'long' }))
    expect(() =>
      s
        .createDataFrame(left, s2)
        .except(narrow as never)
        .collect(),
    ).toThrow(/NUM_COLUMNS_MISMATCH/)
  })

  it('are refused on streams, naming the way out', () => {
    const s = newSession()
    const stream = new MemoryStream(s, s2).toDF()
    const batch = s.createDataFrame(left, s2)
    for (const f of [
      () => stream.except(batch),
      () => batch.intersect(stream),
      () => stream.exceptAll(stream),
    ])
      expect(f).toThrow(/STREAMING_SET_OPERATION_NOT_SUPPORTED: .*foreachBatch/)
  })
})
