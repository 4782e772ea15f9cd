/**
 * Without a server: connection options and urls, table names, identifier quoting, and the
 * SQL each dialect builds (values only ever as placeholders).
 */
import { Options } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { mysqlDialect, parseConnection, parseTableName, postgresDialect } from '../src/index.js'

const opts = (o: Record<string, string>) => new Options(o, "sink 'postgres'")

describe('connection options', () => {
  it('reads a url, with or without jdbc:, and lets single options win over its parts', () => {
    const c = parseConnection(
      opts({ url: 'jdbc:postgresql://ann:p%40ss@db.example:6543/sales?sslmode=require' }),
      postgresDialect,
    )
    expect(c).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'ann',
      password: 'p@ss',
      database: 'sales',
      tls: 'require',
    })
    const o = parseConnection(
      opts({ url: 'postgres://ann:pw@db:1/sales', host: 'other', user: 'bob', database: 'x', ssl: 'true' }),
      postgresDialect,
    )
    expect(o).toMatchObject({
      host: 'other',
      port: 1,
      user: 'bob',
      password: 'pw',
      database: 'x',
      tls: 'verify',
    })
    expect(parseConnection(opts({ url: 'mariadb://[::1]/shop' }), mysqlDialect)).toMatchObject({
      host: '::1',
      port: 3306,
      user: 'root',
      database: 'shop',
    })
  })

  it('has defaults: localhost, the standard port, pool of 2, 10 s connect timeout, no TLS', () => {
    expect(parseConnection(opts({}), postgresDialect)).toMatchObject({
      host: 'localhost',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: undefined,
      tls: 'off',
      poolSize: 2,
      connectTimeoutMs: 10_000,
    })
    expect(
      parseConnection(opts({ tls: 'require', connectTimeout: '2 seconds' }), mysqlDialect),
    ).toMatchObject({
      port: 3306,
      tls: 'require',
      connectTimeoutMs: 2000,
    })
  })

  it('refuses a bad url without showing it (it may hold a password)', () => {
    const secret = 'hunter2-very-secret'
    for (const url of [
      `postgres://u:${secret}@h:notaport/db`,
      `mysql://u:${secret}@h/db`,
      `postgres://u:${secret}@h/db?foo=1`,
    ]) {
      let message = ''
      try {
        parseConnection(opts({ url }), postgresDialect)
      } catch (e) {
        message = (e as Error).message
      }
      expect(message).toMatch(/option 'url'/)
      expect(message).not.toContain(secret)
    }
    expect(() => parseConnection(opts({ ssl: 'maybe' }), postgresDialect)).toThrow(
      /option 'ssl' must be true, false or 'require'/,
    )
    expect(() => parseConnection(opts({ port: '70000' }), postgresDialect)).toThrow(/at most 65535/)
  })

  it('remembers the password, its url-encoded form and the url as secrets', () => {
    const url = 'postgres://ann:p%40ss%2Fw@h/db'
    const c = parseConnection(opts({ url }), postgresDialect)
    expect(c.secrets).toEqual([url, 'p%40ss%2Fw', 'p@ss/w'])
    // A url may escape other characters than encodeURIComponent does: its own spelling is a secret too.
    const odd = parseConnection(opts({ url: 'postgres://ann:p$s%2Fs@h/db' }), postgresDialect)
    expect(odd.password).toBe('p$s/s')
    expect(odd.secrets).toContain('p$s%2Fs')
    expect(odd.secrets).toContain('p$s/s')
  })
})

describe('table names and identifiers', () => {
  it('splits schema.table, with quoted parts holding dots and quotes', () => {
    expect(parseTableName('events', 'table')).toEqual({ schema: undefined, name: 'events' })
    expect(parseTableName('sales.events', 'table')).toEqual({ schema: 'sales', name: 'events' })
    expect(parseTableName('"my.schema"."we""ird"', 'table')).toEqual({ schema: 'my.schema', name: 'we"ird' })
    expect(parseTableName('`db`.`t`', 'table')).toEqual({ schema: 'db', name: 't' })
    expect(() => parseTableName('a.b.c', 'table')).toThrow(/INVALID_TABLE_NAME.*more than two parts/)
    expect(() => parseTableName('"open', 'table')).toThrow(/not closed/)
    expect(() => parseTableName('a.', 'table')).toThrow(/empty/)
  })

  it('quotes names so that no name can end the quoting, and refuses what cannot be quoted', () => {
    expect(postgresDialect.quote('a"b')).toBe('"a""b"')
    expect(mysqlDialect.quote('a`b')).toBe('`a``b`')
    expect(postgresDialect.qualified({ schema: 's', name: 'x"; DROP TABLE y; --' })).toBe(
      '"s"."x""; DROP TABLE y; --"',
    )
    expect(() => postgresDialect.quote('a\u0000b')).toThrow(/INVALID_IDENTIFIER.*control character/)
    expect(() => mysqlDialect.quote('tab\tname')).toThrow(/control character/)
    expect(() => postgresDialect.quote('x'.repeat(64))).toThrow(/longer than PostgreSQL allows \(63 bytes\)/)
    expect(() => mysqlDialect.quote('trailing ')).toThrow(/ends with a space/)
    expect(() => postgresDialect.quote('')).toThrow(/empty/)
  })
})

describe('dialect SQL', () => {
  const t = { schema: 'app', name: 'events' }
  it('builds multi-row statements with placeholders only', () => {
    expect(postgresDialect.insert(t, ['id', 'v'], 2)).toBe(
      'INSERT INTO "app"."events" ("id", "v") VALUES ($1, $2), ($3, $4)',
    )
    expect(mysqlDialect.insert(t, ['id', 'v'], 2)).toBe(
      'INSERT INTO `app`.`events` (`id`, `v`) VALUES (?, ?), (?, ?)',
    )
    expect(postgresDialect.upsert(t, ['id', 'v'], ['id'], 1)).toBe(
      'INSERT INTO "app"."events" ("id", "v") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v" RETURNING (xmax = 0) AS inserted',
    )
    expect(mysqlDialect.upsert(t, ['id', 'v'], ['id'], 1)).toBe(
      'INSERT INTO `app`.`events` (`id`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)',
    )
    expect(postgresDialect.delete(t, ['a', 'b'], 2)).toBe(
      'DELETE FROM "app"."events" WHERE ("a", "b") IN (($1, $2), ($3, $4))',
    )
    expect(mysqlDialect.delete(t, ['a'], 3)).toBe('DELETE FROM `app`.`events` WHERE `a` IN (?, ?, ?)')
  })

  it('maps engine types to column types, keys to indexable ones in MySQL', () => {
    const f = (kind: string) => ({ kind }) as never
    expect(
      ['string', 'long', 'timestamp', 'binary'].map((k) => postgresDialect.columnType(f(k), false)),
    ).toEqual(['TEXT', 'BIGINT', 'TIMESTAMPTZ', 'BYTEA'])
    expect(mysqlDialect.columnType(f('string'), false)).toBe('TEXT')
    expect(mysqlDialect.columnType(f('string'), true)).toBe('VARCHAR(255)')
    expect(mysqlDialect.columnType(f('timestamp'), false)).toBe('DATETIME(3)')
  })

  it('sends time as UTC text, binary as Buffer, nested values as JSON', () => {
    const ms = Date.UTC(2024, 4, 6, 7, 8, 9, 123)
    const ts = { kind: 'timestamp' } as const
    expect(postgresDialect.toParameter(ts, ms, undefined)).toBe('2024-05-06T07:08:09.123Z')
    expect(mysqlDialect.toParameter(ts, ms, undefined)).toBe('2024-05-06 07:08:09.123')
    expect(mysqlDialect.toParameter({ kind: 'date' }, ms, undefined)).toBe('2024-05-06')
    expect(postgresDialect.toParameter({ kind: 'binary' }, new Uint8Array([1, 2]), undefined)).toEqual(
      Buffer.from([1, 2]),
    )
    const arr = { kind: 'array', element: { kind: 'int' } } as const
    expect(postgresDialect.toParameter(arr, [1, 2], undefined)).toBe('[1,2]')
    expect(postgresDialect.toParameter(arr, [1, 2], { name: 'a', typeId: 1007 })).toEqual([1, 2])
  })
})
