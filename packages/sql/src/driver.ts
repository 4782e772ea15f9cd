/**
 * The little the connector needs from a database client: run a statement with bound
 * parameters, run a function in one transaction, close. Each driver adapts pg or mysql2
 * to it; every error that leaves a pool is a SqlConnectorError without secrets.
 */
import type { ConnectionSettings } from './connection-options.js'
import type { NativeColumn } from './dialect.js'
import { type ErrorContext, translateError } from './errors.js'

export interface SqlResult {
  /** Rows as arrays, in column order (a query may repeat a column name). */
  readonly rows: readonly unknown[][]
  readonly columns: readonly NativeColumn[]
  /** Rows affected by INSERT/UPDATE/DELETE, or returned by SELECT. */
  readonly rowCount: number
  /** MySQL's summary line ("Records: 3  Duplicates: 1  Warnings: 0"); empty elsewhere. */
  readonly info: string
}

export interface SqlSession {
  query(sql: string, params?: readonly unknown[]): Promise<SqlResult>
}

export interface SqlPool extends SqlSession {
  /** Runs fn inside BEGIN ... COMMIT on one connection; rolls back when fn throws. */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>
  end(): Promise<void>
}

/** The driver-level pool, before errors are translated. */
export type RawPool = SqlPool

/** A pool whose errors are translated; `action` names what the caller was doing. */
export function guarded(raw: RawPool, system: string, connection: ConnectionSettings): GuardedPool {
  return new GuardedPool(raw, system, connection)
}

export class GuardedPool {
  constructor(
    private readonly raw: RawPool,
    readonly system: string,
    readonly connection: ConnectionSettings,
  ) {}

  private context(action: string): ErrorContext {
    return { system: this.system, connection: this.connection, action }
  }

  async query(action: string, sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    try {
      return await this.raw.query(sql, params)
    } catch (e) {
      throw translateError(e, this.context(action))
    }
  }

  async transaction<T>(action: string, fn: (session: SqlSession) => Promise<T>): Promise<T> {
    try {
      return await this.raw.transaction(fn)
    } catch (e) {
      throw translateError(e, this.context(action))
    }
  }

  async end(): Promise<void> {
    await this.raw.end().catch(() => {})
  }
}
