/**
 * A short seeded crash soak (the long one is `npm run soak`): random query shapes and
 * sinks, killed at random steps and random moments, restarted until done; every round's
 * output must equal the batch answer, with no row lost or written twice.
 */
import { describe, expect, it } from 'vitest'
import { formatReport, soak } from './soak.js'

describe('crash soak (seeded, short)', () => {
  it('tens of random kills: no duplicates, no losses', async () => {
    const report = await soak({ kills: 24, seed: 20261122, rows: [60, 150] })
    const summary = formatReport(report)
    expect(report.failures, summary).toEqual([])
    expect(report.kills).toBeGreaterThanOrEqual(24)
    expect(report.duplicates).toBe(0)
    expect(report.losses).toBe(0)
    expect(report.rowsFound).toBe(report.rowsExpected)
  }, 180_000)
})
