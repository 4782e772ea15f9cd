/**
 * The columns of a table or query, found synchronously. `load()` must return a DataFrame
 * with its schema, as Spark's JDBC reader does, but both drivers only speak promises: a
 * short-lived worker thread runs the probe query (`... WHERE 1 = 0`, no rows) while this
 * thread waits on an Atomics flag. It costs one connection and a few tens of milliseconds
 * per load(); `.schema(...)` skips it.
 */
import { createRequire } from 'node:module'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import type { ConnectionSettings } from './connection-options.js'
import type { DialectName, NativeColumn } from './dialect.js'
import { translateError } from './errors.js'
import { mysqlConfig } from './mysql-driver.js'
import { postgresConfig } from './postgres-driver.js'

// Plain CommonJS, run by `new Worker(..., { eval: true })`: it must not depend on a build step.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const { signal, port, kind, driver, config, sql } = workerData
function done(message) {
  port.postMessage(message)
  Atomics.store(signal, 0, 1)
  Atomics.notify(signal, 0)
}
function failure(e) {
  const f = e && typeof e === 'object' ? e : { message: String(e) }
  const pick = (v) => (typeof v === 'string' || typeof v === 'number' ? v : undefined)
  const message = pick(f.message) || (Array.isArray(f.errors) && f.errors[0] ? String(f.errors[0].message) : String(e))
  return { ok: false, error: { message, code: pick(f.code), errno: pick(f.errno), sqlState: pick(f.sqlState), detail: pick(f.detail), hint: pick(f.hint) } }
}
async function probe() {
  if (kind === 'postgres') {
    const pg = require(driver)
    const client = new pg.Client(config)
    client.on('error', () => {})
    await client.connect()
    try {
      const r = await client.query({ text: sql, rowMode: 'array' })
      return r.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID }))
    } finally {
      await client.end().catch(() => {})
    }
  }
  const mysql = require(driver)
  const conn = await mysql.createConnection(config)
  try {
    const [, fields] = await conn.query({ sql, rowsAsArray: true })
    return (fields || []).map((f) => ({
      name: f.name,
      typeId: f.columnType ?? f.type ?? 253,
      flags: typeof f.flags === 'number' ? f.flags : 0,
      length: f.columnLength ?? f.length,
      charset: f.characterSet ?? f.charsetNr,
    }))
  } finally {
    await conn.end().catch(() => {})
  }
}
probe().then((columns) => done({ ok: true, columns }), (e) => done(failure(e)))
`

const resolveFromHere = createRequire(import.meta.url)

interface ProbeAnswer {
  readonly ok: boolean
  readonly columns?: NativeColumn[]
  readonly error?: Record<string, unknown>
}

function driverConfig(dialect: DialectName, c: ConnectionSettings): object {
  if (dialect === 'postgres') return postgresConfig(c)
  // A single connection warns about pool-only settings: leave them out.
  const { connectionLimit, maxIdle, idleTimeout, ...single } = mysqlConfig(c)
  return single
}

/** The result columns of `sql`, which must return no rows; throws a SqlConnectorError. */
export function probeColumnsSync(
  dialect: DialectName,
  system: string,
  c: ConnectionSettings,
  sql: string,
  action: string,
): NativeColumn[] {
  const { port1, port2 } = new MessageChannel()
  const signal = new Int32Array(new SharedArrayBuffer(4))
  const driver = resolveFromHere.resolve(dialect === 'postgres' ? 'pg' : 'mysql2/promise')
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { signal, port: port2, kind: dialect, driver, config: driverConfig(dialect, c), sql },
    transferList: [port2],
  })
  worker.unref()
  const limitMs = c.connectTimeoutMs + 30_000
  try {
    const waited = Atomics.wait(signal, 0, 0, limitMs)
    const answer = receiveMessageOnPort(port1)?.message as ProbeAnswer | undefined
    if (waited === 'timed-out' || !answer) {
      throw translateError(
        { message: `no answer within ${limitMs} ms`, code: 'ETIMEDOUT' },
        { system, connection: c, action },
      )
    }
    if (!answer.ok) throw translateError(answer.error, { system, connection: c, action })
    return answer.columns ?? []
  } finally {
    port1.close()
    void worker.terminate()
  }
}
