/**
 * Child process of the file benchmark: `run-one.ts '<FileRunSpec as JSON>'` runs one job one
 * way, measures it (wall, CPU of the whole process, peak RSS), computes the checksum of what
 * it wrote after the clock stops, and prints one result line.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { OUTPUT_COLUMNS, runDuckdb, runScript, runTributary } from './jobs.js'
import { FILE_RESULT_MARK, type FileRunResult, type FileRunSpec } from './spec.js'
import { parquetChecksum, windowChecksum } from './verify.js'

const RUNS = { tributary: runTributary, script: runScript, duckdb: runDuckdb }

async function runOne(spec: FileRunSpec): Promise<FileRunResult> {
  const out = await mkdtemp(path.join(tmpdir(), `tributary-files-${spec.job}-${spec.way}-`))
  try {
    let gcMs = 0
    const { PerformanceObserver } = await import('node:perf_hooks')
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMs += e.duration
    })
    gc.observe({ entryTypes: ['gc'] })
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const output = await RUNS[spec.way](spec.job, {
      data: spec.data,
      out,
      maxFilesPerTrigger: spec.maxFilesPerTrigger,
      threads: spec.threads,
      columnPruning: spec.columnPruning,
    })
    const cpu = process.cpuUsage(cpu0)
    const wallS = (performance.now() - t0) / 1000
    const peakRssMb = process.resourceUsage().maxRSS / 1024
    gc.disconnect()
    const sum =
      spec.job === 'csv-window'
        ? windowChecksum(output.windows ?? [])
        : await parquetChecksum(path.join(out, 'data'), OUTPUT_COLUMNS[spec.job])
    return {
      job: spec.job,
      way: spec.way,
      wallS,
      cpuS: (cpu.user + cpu.system) / 1e6,
      gcS: gcMs / 1000,
      peakRssMb,
      rows: sum.rows,
      checksum: sum.value(),
      note: output.note,
    }
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as FileRunSpec
try {
  process.stdout.write(`${FILE_RESULT_MARK}${JSON.stringify(await runOne(spec))}\n`)
} catch (e) {
  process.stdout.write(`${FILE_RESULT_MARK}${JSON.stringify({ error: (e as Error).stack ?? String(e) })}\n`)
}
