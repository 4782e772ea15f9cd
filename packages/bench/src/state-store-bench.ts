/**
 * State store benchmark: a real streaming aggregation through the public API,
 * `groupBy(key).agg(count, sum)` in update mode with a checkpoint, over a replayable source
 * of N distinct keys (in a scrambled order, so that the store sees random inserts, not
 * appends) into a sink that only counts rows. The question it answers: can a query keep
 * N keys of state with bounded resident memory (the target: 10 million keys under
 * 1 GB with the on-disk provider), and how fast.
 *
 * npm run bench -- state [--keys N] [--provider lmdb|level|memory] [--batch N] [--rows N]
 *   [--partitions N] [--retain N] [--dir path] [--keep] [--log-every N]
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import {
  ColumnarBatch,
  count,
  DoubleType,
  LongType,
  type NumberVector,
  type Offset,
  type Schema,
  Session,
  type SinkProvider,
  type SourceProvider,
  schema,
  sum,
} from '@tributary/core'

interface Settings {
  readonly keys: number
  readonly rows: number
  readonly batch: number
  readonly provider: string
  readonly partitions: number
  readonly retain: number | undefined
  readonly dir: string | undefined
  readonly keep: boolean
  readonly logEvery: number
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value.replaceAll('_', ''))
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive integer, got '${value}'`)
  return n
}

function settingsOf(args: readonly string[]): Settings {
  const { values } = parseArgs({
    args: [...args],
    options: {
      keys: { type: 'string' },
      rows: { type: 'string' },
      batch: { type: 'string' },
      provider: { type: 'string' },
      partitions: { type: 'string' },
      retain: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean' },
      'log-every': { type: 'string' },
    },
  })
  const keys = positive('keys', values.keys, 10_000_000)
  return {
    keys,
    rows: positive('rows', values.rows, keys),
    batch: positive('batch', values.batch, 100_000),
    provider: values.provider ?? 'lmdb',
    partitions: positive('partitions', values.partitions, 4),
    retain: values.retain === undefined ? undefined : positive('retain', values.retain, 100),
    dir: values.dir,
    keep: values.keep ?? false,
    logEvery: positive('log-every', values['log-every'], 10),
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

const rowSchema = schema({ key: 'long', value: 'double' })

const numbers = (type: typeof LongType | typeof DoubleType, values: Float64Array): NumberVector => ({
  kind: 'number',
  type,
  length: values.length,
  values,
  validity: null,
})

/**
 * Row i has key (i mod keys) * step mod keys: with step coprime to keys that visits every
 * key once per `keys` rows, in an order that scatters them over the key space. The offset
 * is the number of rows so far, so a replay reads the same rows.
 */
function distinctKeys(s: Settings): SourceProvider {
  let step = Math.floor(s.keys * 0.6180339887) || 1
  while (gcd(step, s.keys) !== 1) step++
  return {
    name: 'distinct-keys',
    schemaOf: () => rowSchema as Schema<unknown>,
    createSource: () => ({
      schema: rowSchema as Schema<unknown>,
      description: `DistinctKeys[keys=${s.keys}, rows=${s.rows}]`,
      replayable: true,
      initialOffset: async () => 0,
      latestOffset: async (start: Offset) => Math.min(s.rows, (start as number) + s.batch),
      getBatch: async (start: Offset, end: Offset) => {
        const from = start as number
        const n = (end as number) - from
        const keys = new Float64Array(n)
        const values = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const row = from + i
          keys[i] = ((row % s.keys) * step) % s.keys
          values[i] = row % 100
        }
        return {
          data: new ColumnarBatch(
            rowSchema as Schema<unknown>,
            [numbers(LongType, keys), numbers(DoubleType, values)],
            n,
          ),
        }
      },
      commit: async () => {},
      stop: async () => {},
    }),
  }
}

function countingSink(counter: { rows: number }): SinkProvider {
  return {
    name: 'count',
    createSink: () => ({
      description: 'CountingSink',
      addBatch: async (_batchId, data) => {
        counter.rows += data.numRows
      },
    }),
  }
}

/**
 * RssAnon / RssFile from /proc (Linux): the process's own memory (JS heap, native
 * allocations) vs. file pages mapped in. With the lmdb provider the latter is LMDB's map:
 * clean page cache the kernel can take back, which it maps 64 KiB at a time around each
 * page read (fault-around), so a batch of scattered keys maps most of the state files.
 */
function rssSplit(): { anon: number; file: number } | null {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024
    return { anon: kb('RssAnon'), file: kb('RssFile') }
  } catch {
    return null
  }
}

interface Peak {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
  anon: number
  file: number
}

function sampleMemory(peak: Peak): void {
  const m = process.memoryUsage()
  if (m.rss <= peak.rss) return
  const split = rssSplit()
  Object.assign(peak, {
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    anon: split?.anon ?? Number.NaN,
    file: split?.file ?? Number.NaN,
  })
}

/** Resident bytes per mapped file (Linux /proc/self/smaps), largest first: shows how much of RSS is LMDB's map. */
function residentByFile(): [string, number][] {
  let smaps: string
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8')
  } catch {
    return []
  }
  const byFile = new Map<string, number>()
  let current = ''
  for (const line of smaps.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (mapping) current = mapping[1] || '[anonymous]'
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss) byFile.set(current, (byFile.get(current) ?? 0) + Number(rss[1]) * 1024)
  }
  return [...byFile].sort((a, b) => b[1] - a[1])
}

async function diskUsage(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).blocks * 512
  }
  return total
}

const mb = (bytes: number) => (Number.isNaN(bytes) ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`)

export async function main(args: readonly string[]): Promise<void> {
  const s = settingsOf(args)
  const dir = s.dir ?? (await mkdtemp(path.join(tmpdir(), 'tributary-state-bench-')))
  const checkpoint = path.join(dir, 'checkpoint')
  const builder = Session.builder()
    .appName('state-store-bench')
    .config('tributary.stateStore.provider', s.provider)
    .config('tributary.sql.shuffle.partitions', String(s.partitions))
  if (s.retain !== undefined) builder.config('tributary.sql.streaming.minBatchesToRetain', String(s.retain))
  const session = builder.create()
  const sunk = { rows: 0 }
  const peak: Peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0, anon: 0, file: 0 }
  const sampler = setInterval(() => sampleMemory(peak), 100)
  let batches = 0
  const residentAtPeak = { rss: 0, byFile: [] as [string, number][] }
  let numKeys = 0
  let stateBytes = 0
  const batchesTotal = Math.ceil(s.rows / s.batch)
  session.streams.addListener({
    onQueryProgress: ({ progress }) => {
      batches++
      // Where resident memory is, at the batch boundary with the highest RSS (reading smaps costs a few ms).
      const rss = process.memoryUsage().rss
      if (rss > residentAtPeak.rss) {
        residentAtPeak.rss = rss
        residentAtPeak.byFile = residentByFile()
      }
      const op = progress.stateOperators[0]
      numKeys = op?.numRowsTotal ?? 0
      stateBytes = op?.memoryUsedBytes ?? 0
      if (batches % s.logEvery === 0 || batches === batchesTotal) {
        const m = process.memoryUsage()
        console.error(
          `batch ${progress.batchId + 1}/${batchesTotal}: ${progress.batchDuration} ms, state keys ${numKeys}, rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, commit ${op?.commitTimeMs ?? 0} ms`,
        )
      }
    },
  })
  console.error(`state benchmark: ${JSON.stringify({ ...s, dir })}`)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  try {
    const query = await session.readStream
      .format(distinctKeys(s))
      .load()
      .groupBy('key')
      .agg(count().alias('n'), sum('value').alias('total'))
      .writeStream.outputMode('update')
      .format(countingSink(sunk))
      .option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true })
      .start()
    await query.awaitTermination()
  } finally {
    clearInterval(sampler)
  }
  const wallS = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  sampleMemory(peak)
  const onDisk = await diskUsage(path.join(checkpoint, 'state'))
  await session.stop()
  if (!s.keep && s.dir === undefined) await rm(dir, { recursive: true, force: true })

  const rows: [string, string][] = [
    ['provider', s.provider],
    ['keys', String(numKeys)],
    ['rows', String(s.rows)],
    ['batches', `${batches} × ${s.batch} rows, ${s.partitions} partitions`],
    ['wall', `${wallS.toFixed(1)} s`],
    [
      'CPU',
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)}, system ${(cpu.system / 1e6).toFixed(1)})`,
    ],
    ['keys/s', `${Math.round(s.rows / wallS)} rows/s`],
    ['peak RSS', mb(peak.rss)],
    ['  at peak: anon / file', `${mb(peak.anon)} / ${mb(peak.file)}`],
    ['  at peak: heap / external', `${mb(peak.heapUsed)} / ${mb(peak.external)}`],
    ['state on disk', `${mb(onDisk)} (store reports ${mb(stateBytes)} in use)`],
    ['sink rows', String(sunk.rows)],
  ]
  const resident = residentAtPeak.byFile
  const stateFiles = resident.filter(([f]) => f.startsWith(checkpoint))
  rows.push([
    `RSS after batch at ${mb(residentAtPeak.rss)}: state files mapped`,
    mb(stateFiles.reduce((n, [, b]) => n + b, 0)),
  ])
  for (const [file, bytes] of resident.filter(([f]) => !f.startsWith(checkpoint)).slice(0, 3)) {
    rows.push([`  ${path.basename(file)}`, mb(bytes)])
  }
  const width = Math.max(...rows.map(([k]) => k.length))
  console.log(`\n| ${'figure'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|`)
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`)
}
