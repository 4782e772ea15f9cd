/** maxOffsetsPerTrigger (Spark's rateLimit), minOffsetsPerTrigger and maxTriggerDelay. */
import { describe, expect, it } from 'vitest'
import { rateLimit, TriggerDelay } from '../src/rate-limit.js'
import { brief, context, inputRows, newSession, stream, table, tempDir, toMemory } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

const m = (o: Record<string, number>) => new Map(Object.entries(o))

describe('rateLimit', () => {
  it('splits the limit in proportion to each partition lag, rounding down', () => {
    expect(rateLimit(100, m({ 'a:0': 0, 'a:1': 0 }), m({ 'a:0': 300, 'a:1': 100 }), new Map())).toEqual(
      m({ 'a:0': 75, 'a:1': 25 }),
    )
  })

  it('gives a partition whose share is below 1 one offset (no starvation), as Spark does', () => {
    expect(rateLimit(10, m({ 'a:0': 0, 'a:1': 0 }), m({ 'a:0': 1000, 'a:1': 1 }), new Map())).toEqual(
      m({ 'a:0': 9, 'a:1': 1 }),
    )
  })

  it('never passes the latest offset, and leaves partitions without lag where they are', () => {
    expect(rateLimit(1000, m({ 'a:0': 5, 'a:1': 7 }), m({ 'a:0': 10, 'a:1': 7 }), new Map())).toEqual(
      m({ 'a:0': 10, 'a:1': 7 }),
    )
  })

  it('starts new partitions at their earliest offset', () => {
    expect(rateLimit(4, m({ 'a:0': 0 }), m({ 'a:0': 4, 'a:1': 8 }), m({ 'a:1': 4 }))).toEqual(
      m({ 'a:0': 2, 'a:1': 6 }),
    )
  })

  it('returns the latest offsets when there is nothing to read', () => {
    expect(rateLimit(4, m({ 'a:0': 3 }), m({ 'a:0': 3 }), new Map())).toEqual(m({ 'a:0': 3 }))
  })
})

describe('TriggerDelay', () => {
  it('waits for minOffsets until maxTriggerDelay passes since the last batch', () => {
    let now = 0
    const d = new TriggerDelay(10, 1000, () => now)
    const from = m({ 'a:0': 0 })
    // The first trigger of a run always goes (Spark starts its clock at 0).
    now = 5000
    expect(d.shouldWait(from, m({ 'a:0': 1 }))).toBe(false)
    now = 5100
    expect(d.shouldWait(from, m({ 'a:0': 5 }))).toBe(true)
    expect(d.shouldWait(from, m({ 'a:0': 10 }))).toBe(false)
    now = 5200
    expect(d.shouldWait(from, m({ 'a:0': 2 }))).toBe(true)
    now = 6200
    expect(d.shouldWait(from, m({ 'a:0': 2 }))).toBe(false)
  })
})

describe('kafka source: admission control in queries', () => {
  it('maxOffsetsPerTrigger bounds every batch', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 3)
    cluster.produce(
      't',
      0,
      Array.from({ length: 30 }, (_, i) => `a${i}`),
    )
    cluster.produce(
      't',
      1,
      Array.from({ length: 10 }, (_, i) => `b${i}`),
    )
    cluster.produce('t', 2, ['c0'])
    const session = newSession()
    const q = await toMemory(
      stream(session, context(cluster), {
        subscribe: 't',
        startingOffsets: 'earliest',
        maxOffsetsPerTrigger: 8,
      }),
      'q',
      tempDir(),
    )
    await q.processAllAvailable()
    await q.stop()
    const sizes = inputRows(q).filter((n) => n > 0)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(41)
    // 8 split over lags 30/10/1: floor(5.85)=5, floor(1.95)=1, ceil(0.19)=1 → 7 in the first batch.
    expect(sizes[0]).toBe(7)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(9)
    expect((await table(session, 'q')).length).toBe(41)
  })

  it('minOffsetsPerTrigger holds batches back until enough data or maxTriggerDelay', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const ctx = context(cluster)
    const session = newSession()
    const q = await toMemory(
      stream(session, ctx, { subscribe: 't', minOffsetsPerTrigger: 3, maxTriggerDelay: '10 seconds' }),
      'q',
      tempDir(),
    )
    // The first trigger goes at once (nothing to read yet), then the clock of the delay starts.
    await q.processAllAvailable()
    cluster.produce('t', 0, ['1', '2'])
    ctx.time += 1000
    await q.processAllAvailable()
    expect(await table(session, 'q')).toEqual([])
    cluster.produce('t', 0, ['3'])
    await q.processAllAvailable()
    expect((await table(session, 'q')).length).toBe(3)
    cluster.produce('t', 0, ['4'])
    ctx.time += 5000
    await q.processAllAvailable()
    expect((await table(session, 'q')).length).toBe(3)
    ctx.time += 10_000
    await q.processAllAvailable()
    await q.stop()
    expect(brief(await table(session, 'q')).map((s) => s.split('=')[1])).toEqual(['1', '2', '3', '4'])
  })
  it('a query whose data is held back by minOffsetsPerTrigger is waiting, not idle: onQueryIdle stays quiet', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 1)
    const ctx = context(cluster)
    const session = newSession()
    // Every empty poll may report idle: what stops it is the data waiting.
    session.conf.set('tributary.streaming.noDataProgressEventInterval', '0')
    let idle = 0
    session.streams.addListener({
      onQueryIdle: () => {
        idle++
      },
    })
    const q = await toMemory(
      stream(session, ctx, { subscribe: 't', minOffsetsPerTrigger: 3, maxTriggerDelay: '10 seconds' }),
      'q',
      tempDir(),
    )
    await q.processAllAvailable()
    await new Promise((r) => setTimeout(r, 100))
    expect(idle).toBeGreaterThan(0) // nothing there: idle, truly
    cluster.produce('t', 0, ['1', '2'])
    ctx.time += 1000
    await q.processAllAvailable()
    const before = idle
    await new Promise((r) => setTimeout(r, 200))
    expect(idle).toBe(before)
    expect(q.status.isDataAvailable).toBe(true)
    expect(q.status.message).toMatch(/held back/)
    expect(await table(session, 'q')).toEqual([])
    await q.stop()
  })
})
