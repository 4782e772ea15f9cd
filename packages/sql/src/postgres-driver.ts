/**
 * pg adapted to SqlPool. Type parsing is set per pool, never on pg's global defaults
 * (another library in the process may rely on them): bigint and numeric as numbers,
 * timestamps without zone as UTC, dates as UTC midnight, JSON as its text.
 */
import pg from 'pg'
import type { ConnectionSettings } from './connection-options.js'
import type { RawPool, SqlResult, SqlSession } from './driver.js'

type Parser = (text: string) => unknown

const utcDate: Parser = (t) => new Date(`${t}T00:00:00Z`)
const utcTimestamp: Parser = (t) => new Date(`${t.replace(' ', 'T')}Z`)
const text: Parser = (t) => t

const OVERRIDES: Record<number, Parser> = {
  20: Number, // int8: exact up to 2^53, which is the engine's range anyway
  1700: Number, // numeric
  1082: utcDate,
  1114: utcTimestamp,
  114: text, // json
  3802: text, // jsonb
}

function getTypeParser(oid: number, format?: string): unknown {
  if (format !== 'binary' && OVERRIDES[oid]) return OVERRIDES[oid]
  return pg.types.getTypeParser(oid, (format ?? 'text') as 'text')
}

export function postgresConfig(c: ConnectionSettings): pg.PoolConfig {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl: c.tls === 'off' ? false : c.tls === 'require' ? { rejectUnauthorized: false } : true,
    connectionTimeoutMillis: c.connectTimeoutMs,
    application_name: 'tributary',
    max: c.poolSize,
    idleTimeoutMillis: 10_000,
    // An idle pool must not keep a finished script alive.
    allowExitOnIdle: true,
  }
}

function toResult(r: pg.QueryArrayResult): SqlResult {
  return {
    rows: r.rows,
    columns: (r.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID })),
    rowCount: r.rowCount ?? r.rows.length,
    info: '',
  }
}

function sessionOf(client: pg.ClientBase): SqlSession {
  return {
    query: async (sql, params = []) =>
      toResult(await client.query({ text: sql, values: params as unknown[], rowMode: 'array' })),
  }
}

export function openPostgresPool(c: ConnectionSettings): RawPool {
  const pool = new pg.Pool({
    ...postgresConfig(c),
    types: { getTypeParser: getTypeParser as pg.CustomTypesConfig['getTypeParser'] },
  })
  // An idle connection dropped by the server emits here; the next query reports it.
  pool.on('error', () => {})
  return {
    query: async (sql, params = []) =>
      toResult(await pool.query({ text: sql, values: params as unknown[], rowMode: 'array' })),
    async transaction(fn) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const out = await fn(sessionOf(client))
        await client.query('COMMIT')
        return out
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          // A connection that cannot roll back is in an unknown state: discard it.
          broken = rollbackError
        })
        throw e
      } finally {
        client.release(broken ?? false)
      }
    },
    end: () => pool.end(),
  }
}
