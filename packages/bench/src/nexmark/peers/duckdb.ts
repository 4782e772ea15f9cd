/**
 * DuckDB (@duckdb/node-api, single thread) as a batch engine: the bids are appended into a
 * table in 2048-row data chunks (only the columns the query reads, numbers and timestamps
 * as DOUBLE so that no value becomes a BigInt), the query runs as SQL, and the result comes
 * back as JS columns for the checksum. Loading is timed with the rest; the time of the SQL
 * alone is reported beside it.
 */
import { performance } from 'node:perf_hooks'
import type { Cell, Checksum } from '../checksum.js'
import type { BidColumns } from '../generator.js'
import { HOP_SLIDE_MS, type PeerQuery, WINDOW_MS } from '../queries.js'
import { bidBatches, type PeerContext, type PeerRun } from './common.js'
import { importPeer } from './install.js'

/** The few parts of @duckdb/node-api used here (it is not installed in the workspace). */
interface DuckVector {
  setItem(i: number, value: number | string | null): void
  flush(): void
}
interface DuckChunk {
  rowCount: number
  getColumnVector(i: number): DuckVector
}
interface DuckAppender {
  appendDataChunk(chunk: DuckChunk): void
  flushSync(): void
  closeSync(): void
}
interface DuckReader {
  getColumns(): Cell[][]
}
interface DuckConnection {
  run(sql: string): Promise<unknown>
  runAndReadAll(sql: string): Promise<DuckReader>
  createAppender(table: string): Promise<DuckAppender>
  closeSync(): void
}
interface DuckModule {
  DuckDBInstance: {
    create(path: string, options: Record<string, string>): Promise<{ connect(): Promise<DuckConnection> }>
  }
  DuckDBDataChunk: { create(types: readonly unknown[], rowCount?: number): DuckChunk }
  DOUBLE: unknown
  VARCHAR: unknown
}

type BidColumn = 'auction' | 'bidder' | 'price' | 'dateTime' | 'extra'
const STRING_COLUMNS = new Set<BidColumn>(['extra'])
const CHUNK = 2048

const W = WINDOW_MS
const S = HOP_SLIDE_MS

/** Each query: the columns it reads and its SQL; `$W` is the final watermark. */
const QUERIES: Record<PeerQuery, { columns: BidColumn[]; sql: string }> = {
  q0: {
    columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
    sql: 'SELECT auction, bidder, price, dateTime, extra FROM bid',
  },
  q1: {
    columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
    sql: 'SELECT auction, bidder, price * 0.908::DOUBLE AS price, dateTime, extra FROM bid',
  },
  q2: { columns: ['auction', 'price'], sql: 'SELECT auction, price FROM bid WHERE auction % 123 = 0' },
  tumble: {
    columns: ['auction', 'dateTime'],
    sql: `SELECT auction, ws, ws + ${W} AS we, count(*)::DOUBLE AS num
          FROM (SELECT auction, floor(dateTime / ${W}) * ${W} AS ws FROM bid)
          WHERE ws + ${W} <= $W GROUP BY auction, ws`,
  },
  q5: {
    columns: ['auction', 'dateTime'],
    sql: `WITH w AS (
            SELECT auction, floor(dateTime / ${S}) * ${S} - ${S} * k AS ws
            FROM bid, range(0, ${Math.ceil(W / S)}) t(k)
          ), c AS (
            SELECT auction, ws, count(*)::DOUBLE AS num FROM w WHERE ws + ${W} <= $W GROUP BY auction, ws
          ), m AS (SELECT ws, max(num) AS maxn FROM c GROUP BY ws)
          SELECT c.auction, c.num, c.ws, c.ws + ${W} FROM c JOIN m ON c.ws = m.ws AND c.num >= m.maxn`,
  },
  q7: {
    columns: ['auction', 'price', 'bidder', 'dateTime', 'extra'],
    sql: `WITH m AS (
            SELECT floor(dateTime / ${W}) * ${W} AS ws, max(price) AS mp FROM bid GROUP BY 1
          )
          SELECT b.auction, b.price, b.bidder, b.dateTime, b.extra
          FROM bid b JOIN m ON floor(b.dateTime / ${W}) * ${W} = m.ws AND b.price = m.mp
          WHERE m.ws + ${W} <= $W`,
  },
}

async function append(
  duck: DuckModule,
  appender: DuckAppender,
  b: BidColumns,
  columns: readonly BidColumn[],
): Promise<void> {
  const types = columns.map((c) => (STRING_COLUMNS.has(c) ? duck.VARCHAR : duck.DOUBLE))
  for (let from = 0; from < b.n; from += CHUNK) {
    const n = Math.min(CHUNK, b.n - from)
    const chunk = duck.DuckDBDataChunk.create(types, n)
    columns.forEach((c, j) => {
      const v = chunk.getColumnVector(j)
      const src = b[c]
      for (let i = 0; i < n; i++) v.setItem(i, src[from + i])
      v.flush()
    })
    appender.appendDataChunk(chunk)
  }
}

function run(q: PeerQuery): PeerRun {
  return async (ctx: PeerContext, out: Checksum) => {
    const duck = (await importPeer('@duckdb/node-api', 'lib/index.js')) as DuckModule
    const instance = await duck.DuckDBInstance.create(':memory:', { threads: '1' })
    const conn = await instance.connect()
    const { columns, sql } = QUERIES[q]
    await conn.run(
      `CREATE TABLE bid (${columns.map((c) => `${c} ${STRING_COLUMNS.has(c) ? 'VARCHAR' : 'DOUBLE'}`).join(', ')})`,
    )
    const appender = await conn.createAppender('bid')
    for (const b of bidBatches(ctx)) await append(duck, appender, b, columns)
    appender.flushSync()
    appender.closeSync()
    const t0 = performance.now()
    const reader = await conn.runAndReadAll(sql.replaceAll('$W', String(ctx.watermark)))
    const result = reader.getColumns()
    const queryOnlyS = (performance.now() - t0) / 1000
    out.addColumns(result, result[0]?.length ?? 0)
    conn.closeSync()
    return { queryOnlyS, note: `SQL and result conversion ${queryOnlyS.toFixed(2)} s of the total` }
  }
}

export const duckdbPeer: Record<PeerQuery, PeerRun> = {
  q0: run('q0'),
  q1: run('q1'),
  q2: run('q2'),
  q5: run('q5'),
  q7: run('q7'),
  tumble: run('tumble'),
}
