/**
 * The three file jobs, each written three ways: Tributary as a user would write it, a
 * hand-written Node script (JSON.parse or a line splitter, hyparquet for Parquet, one file at
 * a time), and DuckDB with one thread. Each way runs in a process of its own (run-one.ts).
 */
import { mkdirSync, readdirSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { col, functions as F, Session, schema } from '@tributary/core'
import { parquetReadObjects } from 'hyparquet'
import { ByteWriter, parquetWrite } from 'hyparquet-writer'
import { importPeer } from '../nexmark/peers/install.js'
import { AMOUNT_THRESHOLD, type DataSet, WATERMARK_DELAY_MS, WINDOW_MS } from './data.js'
import type { WindowRow } from './verify.js'

export const JOBS = ['json-parquet', 'csv-window', 'parquet-parquet'] as const
export type Job = (typeof JOBS)[number]
export const FILE_WAYS = ['tributary', 'script', 'duckdb'] as const
export type FileWay = (typeof FILE_WAYS)[number]

export const JOB_TITLES: Record<Job, string> = {
  'json-parquet': 'JSON files → filter, project, lower() → Parquet',
  'csv-window': 'CSV files → 1-minute windows per country, count and avg, watermark → sink',
  'parquet-parquet': 'Parquet → filter → Parquet',
}

/** Columns of each Parquet job's output, for the checksum. */
export const OUTPUT_COLUMNS: Record<Exclude<Job, 'csv-window'>, readonly string[]> = {
  'json-parquet': ['id', 'ts', 'user', 'amount'],
  'parquet-parquet': ['id', 'ts', 'user', 'country', 'amount', 'page', 'agent'],
}

export const EVENT_SCHEMA = schema({
  id: 'long',
  ts: 'timestamp',
  user: 'string',
  country: 'string',
  amount: 'double',
  page: 'string',
  agent: 'string',
})

/** What a way hands back: the aggregation's rows (the Parquet jobs' answer is in `out`). */
export interface JobOutput {
  readonly windows?: WindowRow[]
  readonly note?: string
}

export interface JobContext {
  readonly data: DataSet
  /** An empty folder for the output (and Tributary's checkpoint). */
  readonly out: string
  /** Tributary's maxFilesPerTrigger, or undefined for the default admission. */
  readonly maxFilesPerTrigger?: number
  /** Tributary's executor threads; undefined = the default (one per core). */
  readonly threads?: number
  /** false: Tributary's file source builds every schema column (option columnPruning), to measure what pruning gives. */
  readonly columnPruning?: boolean
}

/** The final watermark the peers apply: the largest event time minus the delay. */
export const finalWatermark = (data: DataSet) => data.maxTs - WATERMARK_DELAY_MS

// ---- Tributary ---------------------------------------------------------------------------

export async function runTributary(job: Job, ctx: JobContext): Promise<JobOutput> {
  const builder = Session.builder().appName(`files-${job}`)
  if (ctx.threads !== undefined) builder.config('tributary.executor.threads', String(ctx.threads))
  const session = builder.create()
  const checkpoint = path.join(ctx.out, '_checkpoint')
  const admission: Record<string, number | boolean> =
    ctx.maxFilesPerTrigger === undefined ? {} : { maxFilesPerTrigger: ctx.maxFilesPerTrigger }
  if (ctx.columnPruning === false) admission.columnPruning = false
  const reader = session.readStream.schema(EVENT_SCHEMA).options(admission)
  let batches = 0
  session.streams.addListener({ onQueryProgress: () => void batches++ })
  try {
    if (job === 'csv-window') {
      const counts = reader
        .option('header', true)
        .csv(ctx.data.csv)
        .withWatermark('ts', `${WATERMARK_DELAY_MS / 1000} seconds`)
        .groupBy(F.window(col('ts'), `${WINDOW_MS / 60_000} minute`), col('country'))
        .agg(F.count(col('id')).alias('n'), F.avg(col('amount')).alias('avg'))
      const q = await counts.writeStream
        .outputMode('append')
        .format('memory')
        .queryName('files_csv_window')
        .option('checkpointLocation', checkpoint)
        .trigger({ availableNow: true })
        .start()
      await q.awaitTermination()
      if (q.exception) throw q.exception
      const rows = await session.table('files_csv_window').collect()
      const windows = rows.map((r) => {
        const w = r.window as { start: Date; end: Date }
        return {
          start: w.start.getTime(),
          end: w.end.getTime(),
          country: r.country as string,
          count: Number(r.n),
          avg: r.avg as number,
        }
      })
      return { windows, note: `${batches} batches` }
    }
    const input = job === 'json-parquet' ? reader.json(ctx.data.json) : reader.parquet(ctx.data.parquet)
    const kept = input.where(col('amount').gt(AMOUNT_THRESHOLD))
    const shaped =
      job === 'json-parquet'
        ? kept.select(col('id'), col('ts'), F.lower(col('user')).alias('user'), col('amount'))
        : kept
    const q = await shaped.writeStream
      .format('parquet')
      .option('path', path.join(ctx.out, 'data'))
      .option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination()
    if (q.exception) throw q.exception
    return { note: `${batches} batches` }
  } finally {
    await session.stop()
  }
}

// ---- The hand-written script ------------------------------------------------------------

const filesOf = (dir: string, ext: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f))

interface Projected {
  id: number[]
  ts: number[]
  user: string[]
  amount: number[]
}

function writeProjected(file: string, p: Projected): Promise<void> {
  const writer = new ByteWriter()
  parquetWrite({
    writer,
    columnData: [
      { name: 'id', data: BigInt64Array.from(p.id, (x) => BigInt(x)), type: 'INT64' },
      { name: 'ts', data: BigInt64Array.from(p.ts, (x) => BigInt(x)), type: 'TIMESTAMP' },
      { name: 'user', data: p.user, type: 'STRING' },
      { name: 'amount', data: Float64Array.from(p.amount), type: 'DOUBLE' },
    ],
    codec: 'SNAPPY',
  })
  return writeFile(file, writer.getBytes())
}

/** `2026-01-01 00:00:01.234` (UTC) as epoch ms: what a script writer would type. */
const csvMillis = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`)

export async function runScript(job: Job, ctx: JobContext): Promise<JobOutput> {
  const out = path.join(ctx.out, 'data')
  mkdirSync(out, { recursive: true })
  if (job === 'json-parquet') {
    for (const [k, file] of filesOf(ctx.data.json, '.json').entries()) {
      const p: Projected = { id: [], ts: [], user: [], amount: [] }
      for (const line of (await readFile(file, 'utf8')).split('\n')) {
        if (line === '') continue
        const e = JSON.parse(line)
        if (!(e.amount > AMOUNT_THRESHOLD)) continue
        p.id.push(e.id)
        p.ts.push(Date.parse(e.ts))
        p.user.push(e.user.toLowerCase())
        p.amount.push(e.amount)
      }
      await writeProjected(path.join(out, `part-${k}.parquet`), p)
    }
    return {}
  }
  if (job === 'csv-window') {
    const groups = new Map<string, { start: number; country: string; count: number; sum: number }>()
    for (const file of filesOf(ctx.data.csv, '.csv')) {
      const lines = (await readFile(file, 'utf8')).split('\n')
      for (let i = 1; i < lines.length; i++) {
        if (lines[i] === '') continue
        const f = lines[i].split(',')
        const start = Math.floor(csvMillis(f[1]) / WINDOW_MS) * WINDOW_MS
        const key = `${start}|${f[3]}`
        let g = groups.get(key)
        if (g === undefined) {
          g = { start, country: f[3], count: 0, sum: 0 }
          groups.set(key, g)
        }
        g.count++
        g.sum += Number(f[4])
      }
    }
    const watermark = finalWatermark(ctx.data)
    const windows: WindowRow[] = []
    for (const g of groups.values()) {
      if (g.start + WINDOW_MS > watermark) continue
      windows.push({
        start: g.start,
        end: g.start + WINDOW_MS,
        country: g.country,
        count: g.count,
        avg: g.sum / g.count,
      })
    }
    return { windows }
  }
  for (const [k, file] of filesOf(ctx.data.parquet, '.parquet').entries()) {
    const b = await readFile(file)
    const rows = (await parquetReadObjects({
      file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
    })) as Record<string, unknown>[]
    const kept = rows.filter((r) => (r.amount as number) > AMOUNT_THRESHOLD)
    const column = (name: string) => kept.map((r) => r[name])
    const writer = new ByteWriter()
    parquetWrite({
      writer,
      columnData: [
        { name: 'id', data: BigInt64Array.from(column('id') as bigint[]), type: 'INT64' },
        { name: 'ts', data: column('ts') as Date[], type: 'TIMESTAMP' },
        { name: 'user', data: column('user'), type: 'STRING' },
        { name: 'country', data: column('country'), type: 'STRING' },
        { name: 'amount', data: Float64Array.from(column('amount') as number[]), type: 'DOUBLE' },
        { name: 'page', data: column('page'), type: 'STRING' },
        { name: 'agent', data: column('agent'), type: 'STRING' },
      ],
      codec: 'SNAPPY',
    })
    await writeFile(path.join(out, `part-${k}.parquet`), writer.getBytes())
  }
  return {}
}

// ---- DuckDB, one thread -----------------------------------------------------------------

interface DuckConnection {
  run(sql: string): Promise<unknown>
  runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>
  closeSync(): void
}
interface DuckModule {
  DuckDBInstance: {
    create(path: string, options: Record<string, string>): Promise<{ connect(): Promise<DuckConnection> }>
  }
}

const DUCK_COLUMNS =
  "{id: 'BIGINT', ts: 'TIMESTAMP', \"user\": 'VARCHAR', country: 'VARCHAR', amount: 'DOUBLE', page: 'VARCHAR', agent: 'VARCHAR'}"

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`

export async function runDuckdb(job: Job, ctx: JobContext): Promise<JobOutput> {
  const duck = (await importPeer('@duckdb/node-api', 'lib/index.js')) as DuckModule
  const instance = await duck.DuckDBInstance.create(':memory:', { threads: '1' })
  const conn = await instance.connect()
  const out = path.join(ctx.out, 'data')
  mkdirSync(out, { recursive: true })
  const target = quote(path.join(out, 'part-0.parquet'))
  try {
    if (job === 'json-parquet') {
      await conn.run(
        `COPY (SELECT id, ts, lower("user") AS "user", amount
               FROM read_json(${quote(path.join(ctx.data.json, '*.json'))}, format = 'newline_delimited', columns = ${DUCK_COLUMNS})
               WHERE amount > ${AMOUNT_THRESHOLD})
         TO ${target} (FORMAT parquet, COMPRESSION snappy)`,
      )
      return {}
    }
    if (job === 'parquet-parquet') {
      await conn.run(
        `COPY (SELECT * FROM read_parquet(${quote(path.join(ctx.data.parquet, '*.parquet'))}) WHERE amount > ${AMOUNT_THRESHOLD})
         TO ${target} (FORMAT parquet, COMPRESSION snappy)`,
      )
      return {}
    }
    const reader = await conn.runAndReadAll(
      `SELECT ws AS "start", ws + ${WINDOW_MS} AS "end", country, count(*)::DOUBLE AS n, avg(amount) AS a
       FROM (SELECT (epoch_ms(ts) // ${WINDOW_MS}) * ${WINDOW_MS} AS ws, country, amount
             FROM read_csv(${quote(path.join(ctx.data.csv, '*.csv'))}, header = true, columns = ${DUCK_COLUMNS}))
       WHERE ws + ${WINDOW_MS} <= ${finalWatermark(ctx.data)}
       GROUP BY ws, country`,
    )
    const windows = reader.getRowObjectsJS().map((r) => ({
      start: Number(r.start),
      end: Number(r.end),
      country: r.country as string,
      count: Number(r.n),
      avg: r.a as number,
    }))
    return { windows }
  } finally {
    conn.closeSync()
  }
}
