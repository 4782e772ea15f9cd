/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * loaded while a query runs, its figures match `lastProgress` and its charts grow as batches
 * complete. Skips with the reason printed when Chromium is missing, and fails instead under
 * TRIBUTARY_REQUIRE_SERVICES=1. With TRIBUTARY_DOCS_SCREENSHOT=1 it refreshes the screenshot
 * in docs/images/dashboard.png.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const CHROMIUM = process.env.TRIBUTARY_CHROMIUM ?? '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available) {
  const reason = `Chromium is not installed at ${CHROMIUM}`
  if (process.env.TRIBUTARY_REQUIRE_SERVICES === '1') {
    throw new Error(
      `${reason}, and TRIBUTARY_REQUIRE_SERVICES=1 requires it. Install it (apt-get install -y chromium) or set TRIBUTARY_CHROMIUM.`,
    )
  }
  console.warn(
    `[skipped] ${reason}: the dashboard browser test is skipped. Install it with apt-get install -y chromium.`,
  )
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const docsImage = fileURLToPath(new URL('../../../../docs/images/dashboard.png', import.meta.url))

const clicks = schema({ ts: 'timestamp', page: 'string', ms: 'double' })
const fmt = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 })

describe.skipIf(!available)('dashboard in headless Chromium', () => {
  let browser: BrowserContext
  let profile: string

  beforeAll(async () => {
    // A fresh profile folder each run (Chromium's --user-data-dir, passed the way playwright wants it).
    profile = mkdtempSync(path.join(tmpdir(), 'tributary-chromium-'))
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    })
  })
  afterAll(async () => {
    await browser?.close()
    if (profile) rmSync(profile, { recursive: true, force: true })
  })

  it('lists the queries and follows a running one live: figures match lastProgress, charts grow', async () => {
    const session = newSession({ 'tributary.sql.shuffle.partitions': '2' })
    const input = new MemoryStream(session, clicks)
    const query = await input
      .toDF()
      .withWatermark('ts', '5 seconds')
      .groupBy(F.window('ts', '10 seconds'), 'page')
      .agg(F.count('*').alias('views'), F.avg('ms').alias('avg_ms'))
      .writeStream.outputMode('update')
      .format('memory')
      .queryName('page_views')
      .start()
    let t = Date.parse('2026-12-07T12:00:00Z')
    const batch = (n: number) => {
      const rows = Array.from({ length: n }, (_, i) => ({
        ts: new Date(t + i * 250),
        page: ['/home', '/cart', '/pay'][i % 3],
        ms: 20 + (i % 7) * 5,
      }))
      t += n * 250
      input.addData(rows)
    }
    for (const n of [40, 80, 60]) {
      batch(n)
      await query.processAllAvailable()
    }
    // A second query that failed: the list shows it, and its last error.
    const bad = new MemoryStream(session, schema({ id: 'long' }))
    const failing = await bad
      .toDF()
      .writeStream.foreachBatch(() => {
        throw new Error('warehouse refused the connection')
      })
      .queryName('loader')
      .start()
    bad.addData([{ id: 1 }])
    await expect(failing.awaitTermination()).rejects.toThrow(/warehouse/)

    const server = await session.metrics.serve({ port: 0 })
    const page = await browser.newPage()
    try {
      await page.goto(server.url)
      await page.locator('#connection[data-state="live"]').waitFor()
      await expect.poll(() => page.locator('#queries tbody tr').count()).toBe(2)
      const text = (id: string) => page.locator(`[data-testid="${id}"]`).textContent()
      const points = async () =>
        Number(await page.locator('[data-testid="chart-rates"]').getAttribute('data-points'))

      const first = query.lastProgress!
      expect(await text('batch-id')).toBe(String(first.batchId))
      expect(await text('input-rows')).toBe(fmt(first.numInputRows))
      expect(await text('processed-rate')).toBe(fmt(first.processedRowsPerSecond))
      const before = await points()
      expect(before).toBe(query.recentProgress.length)

      // Live: more batches arrive over SSE without reloading the page.
      for (const n of [120, 90]) {
        batch(n)
        await query.processAllAvailable()
      }
      const last = query.lastProgress!
      await expect.poll(() => text('batch-id')).toBe(String(last.batchId))
      expect(await points()).toBe(query.recentProgress.length)
      expect(await points()).toBeGreaterThan(before)
      expect(await text('input-rows')).toBe(fmt(last.numInputRows))
      expect(await text('input-rate')).toBe(fmt(last.inputRowsPerSecond))
      expect(await text('duration')).toBe(`${fmt(last.batchDuration)} ms`)
      expect(await text('watermark')).toBe(last.eventTime.watermark)
      expect(await text('state-rows')).toBe(fmt(last.stateOperators[0].numRowsTotal))
      expect(JSON.parse((await text('progress-json'))!)).toEqual(JSON.parse(JSON.stringify(last)))
      // One bar segment per step that took time, one polyline per rate series.
      expect(await page.locator('[data-testid="chart-rates"] polyline').count()).toBe(2)
      expect(await page.locator('[data-testid="chart-durations"] rect').count()).toBeGreaterThanOrEqual(
        query.recentProgress.length,
      )
      expect(await page.locator('[data-testid="chart-watermark"]').getAttribute('data-points')).toBe(
        String(query.recentProgress.length),
      )
      if (process.env.TRIBUTARY_DOCS_SCREENSHOT === '1')
        await page.screenshot({ path: docsImage, fullPage: true })

      await page.locator('#queries tbody tr', { hasText: 'loader' }).click()
      expect(await text('status')).toBe('failed')
      expect(await text('last-error')).toMatch(
        /^\[STREAMING_QUERY_FAILED\] Query loader \[id = .*\] terminated with exception: warehouse refused the connection\ncaused by: Error: warehouse refused the connection$/,
      )
    } finally {
      await page.close()
      await server.close()
      await query.stop()
    }
  })
})
