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

describe('crash soak on a starved machine', () => {
  it('counts a child that outlives its timeout as a slow run and still reports', async () => {
    // Every child is killed at once (1 ms timeout): the soak must report the round as failed
    // (it never finished) and count the slow runs, not die of the first one.
    const stop = new AbortController()
    const report = await soak({
      kills: 1,
      seed: Date.now() % 2 ** 31,
      rows: [20, 40],
      childTimeoutMs: 1,
      fullDisks: false,
      signal: stop.signal,
      log: () => stop.abort(),
    })
    expect(report.rounds).toBe(1)
    expect(report.slowRuns).toBeGreaterThan(0)
    expect(report.kills).toBe(0)
    expect(report.failures).toHaveLength(1)
    expect(report.failures[0]).toMatch(/did not finish/)
    expect(formatReport(report)).toMatch(/slow runs +\d+/)
  }, 60_000)
})
