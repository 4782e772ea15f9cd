/**
 * The file jobs' input: click events generated from a fixed seed, written once as JSON
 * Lines, CSV (with a header) and Parquet, N events in F files of each, and cached in the
 * temporary folder by (seed, events, files) so that repeated runs read the same bytes.
 *
 * An event: id (long), ts (timestamp; ISO text with `Z` in JSON, zone-less
 * `yyyy-MM-dd HH:mm:ss.SSS` in CSV, INT64 milliseconds in Parquet), user (a mixed-case
 * name drawn from ~100 000), country (30 codes, skewed), amount (double, two decimals),
 * page and agent (text the jobs do not read, so that parsers must skip it, as in real logs).
 * Event time moves forward about 3 ms an event with up to 2 s of disorder, less than the
 * aggregation's 10 s watermark delay, so that no event is late and every way agrees.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { ByteWriter, parquetWrite } from 'hyparquet-writer'

export interface DataSpec {
  readonly seed: number
  readonly events: number
  readonly files: number
}

export interface DataSet extends DataSpec {
  readonly dir: string
  readonly json: string
  readonly csv: string
  readonly parquet: string
  /** Largest event time + 1 (ms), for the peers' final watermark. */
  readonly maxTs: number
  readonly bytes: { readonly json: number; readonly csv: number; readonly parquet: number }
}

export const BASE_TIME = Date.UTC(2026, 0, 1)
const MS_PER_EVENT = 3
const DISORDER_MS = 2000
export const WATERMARK_DELAY_MS = 10_000
export const WINDOW_MS = 60_000
/** The JSON and Parquet jobs keep events whose amount is above this (about half). */
export const AMOUNT_THRESHOLD = 50

const COUNTRIES =
  'US DE FR GB JP BR IN CN IT ES CA AU NL SE PL MX KR CH BE AT NO DK FI IE PT CZ NZ AR ZA SG'.split(' ')
const NAMES =
  'Anna Ben Chloe David Emma Felix Grace Hugo Ines Jonas Kira Liam Mia Noah Olga Paul Quinn Rosa Sven Tara Uwe Vera Will Xenia Yusuf Zoe'.split(
    ' ',
  )
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
]

/** splitmix32: small, fast and the same on every machine. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) | 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296
  }
}

interface EventColumns {
  id: Float64Array
  ts: Float64Array
  user: string[]
  country: string[]
  amount: Float64Array
  page: string[]
  agent: string[]
}

function generate(rand: () => number, from: number, to: number): EventColumns {
  const n = to - from
  const c: EventColumns = {
    id: new Float64Array(n),
    ts: new Float64Array(n),
    user: new Array(n),
    country: new Array(n),
    amount: new Float64Array(n),
    page: new Array(n),
    agent: new Array(n),
  }
  for (let k = 0; k < n; k++) {
    const i = from + k
    c.id[k] = 1_000_000_000_000 + i
    c.ts[k] = BASE_TIME + i * MS_PER_EVENT + Math.floor(rand() * DISORDER_MS)
    const name = NAMES[Math.floor(rand() * NAMES.length)]
    c.user[k] = `${rand() < 0.5 ? name : name.toUpperCase()}${Math.floor(rand() * 4000)}`
    // Skewed: the first countries are much more frequent.
    c.country[k] = COUNTRIES[Math.floor(rand() * rand() * COUNTRIES.length)]
    c.amount[k] = Math.round(rand() * 10_000) / 100
    c.page[k] = `/products/${Math.floor(rand() * 50_000)}?ref=${rand() < 0.3 ? 'mail' : 'search'}`
    c.agent[k] = AGENTS[Math.floor(rand() * AGENTS.length)]
  }
  return c
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

/** `2026-01-01 00:00:01.234`, UTC. */
function csvTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
}

function jsonText(c: EventColumns): string {
  let out = ''
  for (let k = 0; k < c.id.length; k++) {
    out += `{"id":${c.id[k]},"ts":"${new Date(c.ts[k]).toISOString()}","user":"${c.user[k]}","country":"${c.country[k]}","amount":${c.amount[k]},"page":"${c.page[k]}","agent":"${c.agent[k]}"}\n`
  }
  return out
}

function csvText(c: EventColumns): string {
  let out = 'id,ts,user,country,amount,page,agent\n'
  for (let k = 0; k < c.id.length; k++) {
    out += `${c.id[k]},${csvTime(c.ts[k])},${c.user[k]},${c.country[k]},${c.amount[k]},${c.page[k]},${c.agent[k]}\n`
  }
  return out
}

const toBigInts = (a: Float64Array) => BigInt64Array.from(a, (x) => BigInt(x))

function parquetBytes(c: EventColumns): Uint8Array {
  const writer = new ByteWriter()
  parquetWrite({
    writer,
    columnData: [
      { name: 'id', data: toBigInts(c.id), type: 'INT64' },
      { name: 'ts', data: toBigInts(c.ts), type: 'TIMESTAMP' },
      { name: 'user', data: c.user, type: 'STRING' },
      { name: 'country', data: c.country, type: 'STRING' },
      { name: 'amount', data: c.amount, type: 'DOUBLE' },
      { name: 'page', data: c.page, type: 'STRING' },
      { name: 'agent', data: c.agent, type: 'STRING' },
    ],
    codec: 'SNAPPY',
  })
  return new Uint8Array(writer.getBuffer())
}

function sizeOf(dir: string): number {
  let total = 0
  for (const f of readdirSync(dir, { withFileTypes: true }))
    if (f.isFile()) total += statSync(path.join(dir, f.name)).size
  return total
}

/** The data set for `spec`, generated unless it is in the cache already. */
export function ensureData(spec: DataSpec, log: (s: string) => void, root = tmpdir()): DataSet {
  const dir = path.join(root, 'tributary-files-bench', `seed${spec.seed}-n${spec.events}-f${spec.files}`)
  const json = path.join(dir, 'json')
  const csv = path.join(dir, 'csv')
  const parquet = path.join(dir, 'parquet')
  const maxTsFile = path.join(dir, 'max-ts')
  if (!existsSync(path.join(dir, 'complete'))) {
    log(`generating ${spec.events} events in ${spec.files} files of JSON, CSV and Parquet into ${dir}`)
    rmSync(dir, { recursive: true, force: true })
    const tmp = `${dir}.tmp-${process.pid}`
    rmSync(tmp, { recursive: true, force: true })
    for (const d of ['json', 'csv', 'parquet']) mkdirSync(path.join(tmp, d), { recursive: true })
    const rand = random(spec.seed)
    let maxTs = 0
    const per = Math.ceil(spec.events / spec.files)
    for (let f = 0; f < spec.files; f++) {
      const from = f * per
      const to = Math.min(spec.events, from + per)
      if (from >= to) break
      const c = generate(rand, from, to)
      for (const t of c.ts) maxTs = Math.max(maxTs, t)
      const name = `events-${pad(f, 4)}`
      writeFileSync(path.join(tmp, 'json', `${name}.json`), jsonText(c))
      writeFileSync(path.join(tmp, 'csv', `${name}.csv`), csvText(c))
      writeFileSync(path.join(tmp, 'parquet', `${name}.parquet`), parquetBytes(c))
    }
    writeFileSync(path.join(tmp, 'max-ts'), String(maxTs))
    writeFileSync(path.join(tmp, 'complete'), new Date().toISOString())
    renameSync(tmp, dir)
  }
  return {
    ...spec,
    dir,
    json,
    csv,
    parquet,
    maxTs: Number(readFileSync(maxTsFile, 'utf8')),
    bytes: { json: sizeOf(json), csv: sizeOf(csv), parquet: sizeOf(parquet) },
  }
}
