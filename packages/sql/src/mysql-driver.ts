/**
 * mysql2 adapted to SqlPool. Statements with parameters go through server-side prepared
 * statements (execute), so values are never formatted into SQL text. Every connection
 * works in UTC: the driver's Date conversion and the session's time_zone.
 */
import {
  createPool,
  type FieldPacket,
  type PoolConnection,
  type PoolOptions,
  type QueryOptions,
  type ResultSetHeader,
} from 'mysql2/promise'
import type { ConnectionSettings } from './connection-options.js'
import type { NativeColumn } from './dialect.js'
import type { RawPool, SqlResult, SqlSession } from './driver.js'

/** Plain data only: the schema probe sends it to a worker thread. */
export function mysqlConfig(c: ConnectionSettings): PoolOptions {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password ?? '',
    database: c.database,
    ssl: c.tls === 'off' ? undefined : c.tls === 'require' ? { rejectUnauthorized: false } : {},
    connectTimeout: c.connectTimeoutMs,
    connectionLimit: c.poolSize,
    maxIdle: 1,
    idleTimeout: 10_000,
    timezone: 'Z',
    decimalNumbers: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    jsonStrings: true,
    // Without FOUND_ROWS an upsert that changes nothing affects 0 rows, as the counts expect.
    flags: ['-FOUND_ROWS'],
    // One cached statement per distinct row count; keep the server's statement limit far away.
    maxPreparedStatements: 64,
  }
}

function columnsOf(fields: readonly FieldPacket[] | undefined): NativeColumn[] {
  return (fields ?? []).map((f) => ({
    name: f.name,
    typeId: f.columnType ?? f.type ?? 253,
    flags: typeof f.flags === 'number' ? f.flags : 0,
    length: f.columnLength ?? f.length,
    charset: f.characterSet ?? f.charsetNr,
  }))
}

function toResult(result: unknown, fields: FieldPacket[] | undefined): SqlResult {
  if (Array.isArray(result)) {
    return { rows: result as unknown[][], columns: columnsOf(fields), rowCount: result.length, info: '' }
  }
  const header = result as ResultSetHeader
  return { rows: [], columns: [], rowCount: header.affectedRows, info: header.info ?? '' }
}

/** The dialect's parameters are strings, numbers, booleans, Buffers and nulls: all in mysql2's union. */
type ExecuteParams = Parameters<PoolConnection['execute']>[1]

const inUtc = new WeakSet<object>()

async function prepared(conn: PoolConnection): Promise<SqlSession> {
  if (!inUtc.has(conn.connection)) {
    // TIMESTAMP columns convert through the session zone; UTC keeps instants unchanged.
    await conn.query("SET time_zone = '+00:00'")
    inUtc.add(conn.connection)
  }
  return {
    async query(sql, params = []) {
      const [result, fields] =
        params.length > 0
          ? await conn.execute({ sql, rowsAsArray: true } as QueryOptions, params as ExecuteParams)
          : await conn.query({ sql, rowsAsArray: true })
      return toResult(result, fields)
    },
  }
}

export function openMysqlPool(c: ConnectionSettings): RawPool {
  const pool = createPool(mysqlConfig(c))
  return {
    async query(sql, params) {
      const conn = await pool.getConnection()
      try {
        return await (await prepared(conn)).query(sql, params)
      } finally {
        conn.release()
      }
    },
    async transaction(fn) {
      const conn = await pool.getConnection()
      let broken = false
      try {
        const session = await prepared(conn)
        await conn.beginTransaction()
        const out = await fn(session)
        await conn.commit()
        return out
      } catch (e) {
        await conn.rollback().catch(() => {
          // A connection that cannot roll back is in an unknown state: discard it.
          broken = true
        })
        throw e
      } finally {
        if (broken) conn.destroy()
        else conn.release()
      }
    },
    end: () => pool.end(),
  }
}
