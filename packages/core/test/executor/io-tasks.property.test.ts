/** How a batch's source partitions are shared among workers, and the setting that decides when workers read. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { contiguousRuns } from '../../src/executor/io-tasks.js'
import { minWorkerReadBytes } from '../../src/executor/threads.js'

describe('source partitions over workers', () => {
  it('runs of neighbours: every partition once, in order, at most one run per worker, none empty', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (weights, workers) => {
          const parts = weights.map((weight, i) => ({ weight, i }))
          const runs = contiguousRuns(parts, workers)
          expect(runs.flat().map((p) => p.i)).toEqual(parts.map((p) => p.i))
          expect(runs.length).toBe(Math.min(workers, parts.length))
          for (const r of runs) expect(r.length).toBeGreaterThan(0)
        },
      ),
    )
  })

  it('equal partitions are shared evenly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (per, workers) => {
        const parts = Array.from({ length: per * workers }, () => ({ weight: 100 }))
        expect(contiguousRuns(parts, workers).map((r) => r.length)).toEqual(Array(workers).fill(per))
      }),
    )
  })

  it('tributary.executor.minWorkerReadBytes: a whole number of bytes, or an error that says so', () => {
    expect(minWorkerReadBytes(() => undefined)).toBe(1 << 20)
    expect(minWorkerReadBytes(() => '0')).toBe(0)
    expect(() => minWorkerReadBytes(() => '1MB')).toThrow(
      /tributary\.executor\.minWorkerReadBytes must be a whole number of bytes, 0 or more, got '1MB'/,
    )
  })
})
