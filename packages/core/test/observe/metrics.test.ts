import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { describe, expect, it } from 'vitest'
import { functions as F, MemoryStream, schema } from '../../src/index.js'
import { FilteredLogger } from '../../src/observe/logger.js'
import { newSession, tempDir } from '../helpers.js'

const coreSrc = fileURLToPath(new URL('../../src/index.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

/** Parses Prometheus text into `name{labels} value` pairs (labels sorted, app label dropped). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not Prometheus text: ${line}`)
    const labels = (m[2] ?? '')
      .split(/,(?=[a-z_]+=")/)
      .filter((l) => l && !l.startsWith('app='))
      .sort()
      .join(',')
    out.set(`${m[1]}{${labels}}`, Number(m[3]))
  }
  return out
}

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const readings = schema({ id: 'long', sensor: 'string', ts: 'timestamp', value: 'double' })

async function runningQuery() {
  const session = newSession({ 'tributary.sql.shuffle.partitions': '2' })
  const input = new MemoryStream(session, readings)
  const query = await input
    .toDF()
    .withWatermark('ts', '10 seconds')
    .groupBy(F.window('ts', '10 seconds'), 'sensor')
    .count()
    .writeStream.outputMode('update')
    .format('memory')
    .queryName('readings')
    .start()
  input.addData([
    { id: 1, sensor: 'a', ts: new Date(100_000), value: 1 },
    { id: 2, sensor: 'b', ts: new Date(120_000), value: 2 },
    { id: 2, sensor: 'b', ts: new Date(120_000), value: 2 },
  ])
  await query.processAllAvailable()
  input.addData([
    { id: 3, sensor: 'a', ts: new Date(200_000), value: 3 },
    { id: 4, sensor: 'a', ts: new Date(1_000), value: 4 },
  ])
  await query.processAllAvailable()
  return { session, query }
}

describe('metrics', () => {
  it('serves Prometheus text over HTTP that matches the queries progress', async () => {
    const { session, query } = await runningQuery()
    const server = await session.metrics.serve({ port: 0 })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const res = await fetch(`${server.url}metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    const m = parse(text)
    const q = `query="readings",query_id="${query.id}"`
    const last = query.lastProgress!
    expect(m.get(`tributary_query_active{${q}}`)).toBe(1)
    expect(m.get(`tributary_batches_total{${q}}`)).toBe(query.recentProgress.length)
    expect(m.get(`tributary_last_batch_id{${q}}`)).toBe(last.batchId)
    expect(m.get(`tributary_input_rows_total{${q}}`)).toBe(5)
    expect(m.get(`tributary_sink_rows_total{${q}}`)).toBe(
      query.recentProgress.reduce((n, p) => n + p.sink.numOutputRows, 0),
    )
    expect(m.get(`tributary_processed_rows_per_second{${q}}`)).toBeCloseTo(last.processedRowsPerSecond, 6)
    expect(m.get(`tributary_batch_duration_seconds{${q},step="addBatch"}`)).toBe(
      last.durationMs.addBatch / 1000,
    )
    const op = last.stateOperators[0]
    expect(m.get(`tributary_state_rows{operator="${op.operatorName}",${q}}`)).toBe(op.numRowsTotal)
    expect(m.get(`tributary_state_memory_bytes{operator="${op.operatorName}",${q}}`)).toBe(op.memoryUsedBytes)
    // The row at 1 s came after the watermark passed it: one late row.
    expect(m.get(`tributary_late_rows_total{operator="${op.operatorName}",${q}}`)).toBe(1)
    expect(m.get(`tributary_watermark_timestamp_seconds{${q}}`)).toBe(
      Date.parse(last.eventTime.watermark) / 1000,
    )
    expect(m.get(`tributary_watermark_lag_seconds{${q}}`)).toBeGreaterThan(0)
    expect(text).toMatch(/# TYPE tributary_input_rows_total counter/)
    expect(text).toMatch(/app="test"/)
    await server.close()
  })

  it('exports per-partition rows and timings with a partition label, scraped while a 2-thread query runs', async () => {
    const session = newSession({ 'tributary.executor.threads': '2', 'tributary.sql.shuffle.partitions': '4' })
    const input = new MemoryStream(session, schema({ key: 'string', v: 'long' }))
    const query = await input
      .toDF()
      .groupBy('key')
      .agg(F.count('v').alias('n'))
      .writeStream.outputMode('update')
      .format('memory')
      .queryName('parts')
      .start()
    const rows = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `k${(i * 7 + seed) % 11}`, v: i }))
    input.addData(rows(60, 1))
    await query.processAllAvailable()
    input.addData(rows(40, 2))
    await query.processAllAvailable()
    const server = await session.metrics.serve()
    const m = parse(await (await fetch(`${server.url}metrics`)).text())
    await server.close()
    expect(query.isActive).toBe(true)
    const q = `query="parts",query_id="${query.id}"`
    const history = query.recentProgress.filter((p) => p.executor?.mode === 'shuffle')
    expect(history.length).toBeGreaterThanOrEqual(2)
    expect(m.get(`tributary_executor_threads{${q}}`)).toBe(2)
    const sum = (
      f: (p: {
        partition: number
        numInputRows: number
        numOutputRows: number
        durationMs: number
      }) => number,
      partition: number,
    ) =>
      history.reduce(
        (n, p) =>
          n + p.executor!.partitions.filter((x) => x.partition === partition).reduce((a, x) => a + f(x), 0),
        0,
      )
    let inAll = 0
    for (const partition of [0, 1, 2, 3]) {
      const pl = `partition="${partition}",${q}`
      expect(m.get(`tributary_partition_input_rows_total{${pl}}`)).toBe(sum((x) => x.numInputRows, partition))
      expect(m.get(`tributary_partition_output_rows_total{${pl}}`)).toBe(
        sum((x) => x.numOutputRows, partition),
      )
      expect(m.get(`tributary_partition_seconds_total{${pl}}`)).toBeCloseTo(
        sum((x) => x.durationMs, partition) / 1000,
        6,
      )
      const last = query.lastProgress!.executor!.partitions.find((x) => x.partition === partition)!
      expect(m.get(`tributary_partition_batch_input_rows{${pl}}`)).toBe(last.numInputRows)
      expect(m.get(`tributary_partition_batch_duration_seconds{${pl}}`)).toBe(last.durationMs / 1000)
      inAll += m.get(`tributary_partition_input_rows_total{${pl}}`)!
    }
    // Every row reached exactly one partition, and the workers' first stage read them all.
    expect(inAll).toBe(100)
    const workerRows = [...m].filter(([k]) => k.startsWith(`tributary_worker_task_rows_total{${q},worker=`))
    expect(workerRows.length).toBeGreaterThan(0)
    expect(workerRows.reduce((n, [, v]) => n + v, 0)).toBe(100)
    // OpenTelemetry gets the same, with the partition attribute.
    const reader = new TestReader()
    const provider = new MeterProvider({ readers: [reader] })
    session.metrics.useOpenTelemetry(provider.getMeter('tributary-test'))
    const { resourceMetrics } = await reader.collect()
    const otel = resourceMetrics.scopeMetrics[0].metrics.find(
      (x) => x.descriptor.name === 'tributary.partition.input.rows',
    )!
    expect(otel.dataPoints.map((d) => d.attributes.partition).sort()).toEqual(['0', '1', '2', '3'])
    expect(otel.dataPoints.reduce((n, d) => n + (d.value as number), 0)).toBe(100)
    await provider.shutdown()
    await query.stop()
  })

  it('counts failures by code; a failed query reads 0 in query_active', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ id: 'long' }))
    const query = await input
      .toDF()
      .writeStream.foreachBatch(() => {
        throw new Error('sink down')
      })
      .queryName('fails')
      .start()
    input.addData([{ id: 1 }])
    await expect(query.awaitTermination()).rejects.toThrow(/sink down/)
    const m = parse(await session.metrics.prometheus())
    const q = `query="fails",query_id="${query.id}"`
    expect(m.get(`tributary_query_active{${q}}`)).toBe(0)
    expect(m.get(`tributary_query_failures_total{code="STREAMING_QUERY_FAILED",${q}}`)).toBe(1)
  })

  it('reports the same figures through an OpenTelemetry meter', async () => {
    const { session, query } = await runningQuery()
    const reader = new TestReader()
    const provider = new MeterProvider({ readers: [reader] })
    const stop = session.metrics.useOpenTelemetry(provider.getMeter('tributary-test'))
    const { resourceMetrics, errors } = await reader.collect()
    expect(errors).toEqual([])
    const metrics = new Map(resourceMetrics.scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m]))
    const point = (name: string) => metrics.get(name)!.dataPoints[0]
    expect(point('tributary.input.rows').value).toBe(5)
    expect(point('tributary.input.rows').attributes).toEqual({ query: 'readings', query_id: query.id })
    expect(point('tributary.batches').value).toBe(query.recentProgress.length)
    expect(metrics.get('tributary.state.rows')!.dataPoints[0].value).toBe(
      query.lastProgress!.stateOperators[0].numRowsTotal,
    )
    stop()
    await provider.shutdown()
  })

  it('refuses a port in use with a clear error', async () => {
    const session = newSession()
    const first = await session.metrics.serve({ port: 0 })
    await expect(session.metrics.serve({ port: first.port })).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)\. Another process uses the port/,
    )
    await first.close()
  })

  it('masks credentials in source descriptions on /metrics, /api/queries and /events', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ id: 'long' }), 'postgres://etl:hunter2@db:5432/app')
    const q = await input.toDF().writeStream.format('memory').queryName('masked').start()
    input.addData([{ id: 1 }])
    await q.processAllAvailable()
    const server = await session.metrics.serve()
    const metrics = await (await fetch(`${server.url}metrics`)).text()
    const api = await (await fetch(`${server.url}api/queries`)).text()
    const events = await fetch(`${server.url}events`)
    const reader = events.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    await reader.cancel()
    for (const text of [metrics, api, first]) {
      expect(text).toContain('postgres://etl:***@db:5432/app')
      expect(text).not.toContain('hunter2')
    }
    expect(first.startsWith('event: snapshot\ndata: ')).toBe(true)
    await server.close()
    await q.stop()
  })

  it('streaming queries start the dashboard once per session, on the next port when one is taken', async () => {
    const lines: string[] = []
    const at = (message: string) => {
      lines.push(message)
    }
    const log = new FilteredLogger({ debug: at, info: at, warn: at, error: at }, 'info')
    const none = () => undefined
    // Off under a test runner unless asked for, so parallel test files fight over no port.
    expect(await newSession().metrics.serveByDefault(log, none, { VITEST: 'true' })).toBeNull()
    expect(lines).toEqual([])
    // A port in use moves on to the next one, as Spark's UI does from 4040.
    const blocker = await newSession().metrics.serve({ port: 0 })
    const session = newSession()
    const conf = (k: string) => ({ 'tributary.ui.port': String(blocker.port) })[k]
    const server = await session.metrics.serveByDefault(log, conf, {})
    expect(server!.port).toBeGreaterThan(blocker.port)
    expect(server!.port).toBeLessThanOrEqual(blocker.port + 16)
    expect(lines).toEqual([
      `dashboard at ${server!.url} (port ${blocker.port} was in use) (metrics at ${server!.url}metrics)`,
    ])
    expect(await session.metrics.serveByDefault(log, conf, {})).toBe(server)
    expect((await fetch(server!.url)).headers.get('content-type')).toMatch(/text\/html/)
    // Off by setting; a session already serving (serve()) starts no second server.
    const off = (k: string) => ({ 'tributary.ui.enabled': 'false' })[k]
    expect(await newSession().metrics.serveByDefault(log, off, {})).toBeNull()
    expect(await blocker.close()).toBeUndefined()
    const serving = newSession()
    await serving.metrics.serve()
    expect(await serving.metrics.serveByDefault(log, () => undefined, { TRIBUTARY_UI_PORT: '0' })).toBeNull()
    // TRIBUTARY_DASHBOARD=1 still asks for any free port, even under a test runner.
    const legacy = await newSession().metrics.serveByDefault(log, none, {
      VITEST: 'true',
      TRIBUTARY_DASHBOARD: '1',
    })
    expect(legacy!.port).toBeGreaterThan(0)
    await expect(
      newSession().metrics.serveByDefault(log, none, { TRIBUTARY_DASHBOARD: 'yes please' }),
    ).rejects.toThrow(/TRIBUTARY_DASHBOARD is 'yes please'\. Use a port number, or 1 for any free port/)
    await expect(newSession().metrics.serveByDefault(log, none, { TRIBUTARY_UI: 'maybe' })).rejects.toThrow(
      /the TRIBUTARY_UI environment variable is 'maybe'\. Use true or false/,
    )
    await expect(
      newSession().metrics.serveByDefault(log, (k) => ({ 'tributary.ui.port': '70000' })[k], {}),
    ).rejects.toThrow(
      /tributary\.ui\.port is '70000'\. Use a port number from 1 to 65535, or 0 for any free port/,
    )
  })

  it('a script that runs a streaming query prints the dashboard address, serves it, and still exits by itself', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'script.mts')
    writeFileSync(
      file,
      `import { Session } from ${JSON.stringify(coreSrc)}
const session = Session.builder().appName('ui-default').getOrCreate()
const q = await session.readStream.format('rate').option('rowsPerSecond', 5).load().writeStream.format('memory').queryName('ticks').trigger({ processingTime: '200 milliseconds' }).start()
await new Promise((r) => setTimeout(r, 1500))
await q.stop()
console.log('STOPPED')
`,
    )
    const env: NodeJS.ProcessEnv = { ...process.env }
    delete env.VITEST
    delete env.NODE_ENV
    delete env.TRIBUTARY_DASHBOARD
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, env })
    let stderr = ''
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d
        const m = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
        if (m) resolve(m[1])
      })
      child.on('close', () => reject(new Error(`exited without a dashboard address:\n${stderr}`)))
    })
    // The address is printed as the query starts; it is listed a moment later.
    let api = { app: '', queries: [] as { name: string }[] }
    for (let i = 0; i < 50 && api.queries.length === 0; i++) {
      api = (await (await fetch(`${url}api/queries`)).json()) as typeof api
      if (api.queries.length === 0) await new Promise((r) => setTimeout(r, 100))
    }
    expect(api.app).toBe('ui-default')
    expect(api.queries.map((q) => q.name)).toEqual(['ticks'])
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const code = await new Promise<number | null>((r) => child.on('close', r))
    clearTimeout(timer)
    // The server and the browser's connections keep nothing alive: the script ends on its own.
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('STOPPED')
  })
})
