/**
 * The two real servers the tests run against, a plain client for each to set up and check
 * tables outside the connector, and names that do not collide between parallel test files.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Session } from '@tributary/core'
import { requireService, type ServiceCheck } from '@tributary/testing'
import { createPool } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, afterEach } from 'vitest'
import '../src/index.js'

export interface Target {
  readonly format: 'postgres' | 'mysql'
  readonly label: string
  readonly check: ServiceCheck
  /** Connection options for the connector. */
  readonly options: Record<string, string>
  /** Runs SQL outside the connector; `?` placeholders work for both. */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  /** Quotes a name the way the server wants. */
  q(name: string): string
  close(): Promise<void>
}

const PG_HOST = process.env.PGHOST ?? '127.0.0.1'
const PG_PORT = Number(process.env.PGPORT ?? 5432)
const MY_HOST = process.env.MYSQL_HOST ?? '127.0.0.1'
const MY_PORT = Number(process.env.MYSQL_PORT ?? 3306)

const pgCheck = await requireService('PostgreSQL', PG_HOST, PG_PORT)
const myCheck = await requireService('MariaDB', MY_HOST, MY_PORT)

function postgresTarget(): Target {
  const options = { host: PG_HOST, port: String(PG_PORT), user: 'postgres', database: 'test' }
  let pool: pg.Pool | undefined
  const get = () => {
    pool ??= new pg.Pool({ ...options, port: PG_PORT, max: 2 })
    return pool
  }
  return {
    format: 'postgres',
    label: 'PostgreSQL',
    check: pgCheck,
    options,
    async sql(text, params = []) {
      let i = 0
      const r = await get().query(
        text.replace(/\?/g, () => `$${++i}`),
        params,
      )
      return r.rows
    },
    q: (name) => `"${name}"`,
    async close() {
      await pool?.end()
      pool = undefined
    },
  }
}

function mysqlTarget(): Target {
  const options = { host: MY_HOST, port: String(MY_PORT), user: 'root', password: '', database: 'test' }
  let pool: ReturnType<typeof createPool> | undefined
  const get = () => {
    pool ??= createPool({
      host: MY_HOST,
      port: MY_PORT,
      user: 'root',
      database: 'test',
      connectionLimit: 2,
      timezone: 'Z',
    })
    return pool
  }
  return {
    format: 'mysql',
    label: 'MariaDB',
    check: myCheck,
    options,
    async sql(text, params = []) {
      const [rows] = await get().query(text, params)
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
    },
    q: (name) => `\`${name}\``,
    async close() {
      await pool?.end()
      pool = undefined
    },
  }
}

export const targets: readonly Target[] = [postgresTarget(), mysqlTarget()]

afterAll(async () => {
  for (const t of targets) await t.close()
})

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A table name of this test's own, dropped (with its batch log rows) after the test. */
export function tableName(t: Target, prefix = 't'): string {
  const name = `trib_${prefix}_${randomBytes(4).toString('hex')}`
  cleanups.push(async () => {
    await t.sql(`DROP TABLE IF EXISTS ${t.q(name)}`)
    await t.sql(`DELETE FROM ${t.q('_tributary_batches')} WHERE table_name = ?`, [name]).catch(() => {})
  })
  return name
}

export function tempDir(prefix = 'tributary-sql-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function newSession(): Session {
  const s = Session.builder().appName('sql-test').create()
  cleanups.push(() => s.stop())
  return s
}

/** Registers a cleanup to run after the current test. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

/** Numbers from either driver (pg gives bigint as text, MariaDB gives decimals as text). */
export function num(v: unknown): number {
  return Number(v)
}
