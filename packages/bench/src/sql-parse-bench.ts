/**
 * `npm run bench -- sql [--peers dir] [--time ms]`: parse time of Tributary's SQL parser on
 * a few Spark streaming queries, and with --peers, of the parser libraries considered for
 * docs/sql.md (node-sql-parser, dt-sql-parser, sql-parser-cst), installed on demand into
 * that folder (`npm install --prefix dir node-sql-parser@5.4.0 dt-sql-parser@4.5.0
 * sql-parser-cst@0.42.0`) so that they never enter the workspace's lock file. Also prints
 * which queries each parser accepts, and its message for a bad one.
 */
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { parseQueryText } from '../../core/src/sql/query-parser.js'

const queries: Record<string, string> = {
  window: "SELECT window(ts, '5 minutes') AS w, count(*) FROM events GROUP BY window(ts, '5 minutes')",
  interval: "SELECT * FROM a JOIN b ON a.id = b.id AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '10' MINUTE",
  cast: 'SELECT x::string, CAST(key AS STRING) FROM t',
  backquote: 'SELECT `my col` FROM t',
  subscript: "SELECT a['k'], b[0] FROM t",
}
const bad = 'SELECT a,\n  FROM t WHERE'

type Parse = (sql: string) => unknown

async function peers(dir: string): Promise<Record<string, Parse>> {
  const require = createRequire(path.join(path.resolve(dir), 'package.json'))
  const out: Record<string, Parse> = {}
  try {
    const { Parser } = require('node-sql-parser')
    const p = new Parser()
    out['node-sql-parser 5.4 (hive)'] = (s) => p.astify(s, { database: 'hive' })
    out['node-sql-parser 5.4 (bigquery)'] = (s) => p.astify(s, { database: 'bigquery' })
  } catch (e) {
    console.log(`node-sql-parser: ${(e as Error).message.split('\n')[0]}`)
  }
  try {
    const dt = await import(pathToFileURL(require.resolve('dt-sql-parser')).href)
    const spark = new dt.SparkSQL()
    out['dt-sql-parser 4.5 (SparkSQL)'] = (s) => {
      const errors = spark.validate(s)
      if (errors.length > 0)
        throw new Error(`${errors[0].startLine}:${errors[0].startColumn} ${errors[0].message}`)
      return spark.parse(s)
    }
  } catch (e) {
    console.log(`dt-sql-parser: ${(e as Error).message.split('\n')[0]}`)
  }
  try {
    const cst = await import(pathToFileURL(require.resolve('sql-parser-cst')).href)
    out['sql-parser-cst 0.42 (bigquery)'] = (s) => cst.parse(s, { dialect: 'bigquery' })
  } catch (e) {
    console.log(`sql-parser-cst: ${(e as Error).message.split('\n')[0]}`)
  }
  return out
}

function perSecond(parse: Parse, sql: string, ms: number): number {
  const until = performance.now() + ms
  let n = 0
  const t0 = performance.now()
  while (performance.now() < until) {
    try {
      parse(sql)
    } catch {}
    n++
  }
  return n / ((performance.now() - t0) / 1000)
}

export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { peers: { type: 'string' }, time: { type: 'string', default: '500' } },
  })
  const ms = Number(values.time)
  const parsers: Record<string, Parse> = { 'tributary (recursive descent)': parseQueryText }
  if (values.peers) Object.assign(parsers, await peers(values.peers))
  for (const [name, parse] of Object.entries(parsers)) {
    const accepted = Object.entries(queries).map(([k, q]) => {
      try {
        parse(q)
        return `${k} ok`
      } catch {
        return `${k} FAILS`
      }
    })
    let message = '(accepted)'
    try {
      parse(bad)
    } catch (e) {
      message = (e as Error).message.replace(/\s+/g, ' ').slice(0, 140)
    }
    const median = [1, 2, 3].map(() => 1e6 / perSecond(parse, queries.window, ms)).sort((a, b) => a - b)[1]
    console.log(
      `\n${name}\n  parse: ${median.toFixed(1)} µs per query (window query, median of 3)\n  ${accepted.join(', ')}\n  bad input: ${message}`,
    )
  }
}
