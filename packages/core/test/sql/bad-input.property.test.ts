/**
 * Property: whatever text comes in, session.sql and the expression entry points either
 * build a query or throw a TributaryError with a code (a parse error with a position, or
 * the analyzer's): never a TypeError or another crash of the parser.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { schema, TributaryError } from '../../src/index.js'
import { newSession } from '../helpers.js'

const fragments = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP BY',
  'HAVING',
  'ORDER BY',
  'LIMIT',
  'JOIN',
  'LEFT',
  'ON',
  'USING',
  'UNION ALL',
  'WITH',
  'AS',
  'AND',
  'OR',
  'NOT',
  'IN',
  'BETWEEN',
  'LIKE',
  'IS',
  'NULL',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'INTERVAL',
  "'10'",
  'MINUTE',
  'TO',
  'SECOND',
  'TIMESTAMP',
  "'2024-01-01'",
  'count(*)',
  'window(ts,',
  "'5 minutes')",
  't',
  'u',
  'a',
  'b',
  'ts',
  '`x y`',
  '*',
  't.*',
  '(',
  ')',
  ',',
  '.',
  '[',
  ']',
  '::',
  'int',
  'struct<',
  '>',
  '=',
  '<',
  '+',
  '-',
  '/',
  '%',
  '||',
  '1',
  '2.5',
  '-3',
  "'s'",
  '"d"',
  ':p',
  '/*+ BROADCAST(t) */',
  '/* c */',
  '-- c\n',
  ';',
  'DISTINCT',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'WATERMARK',
  'FOR',
  'SEMI',
  'ANTI',
  'OUTER',
  'FULL',
  'CROSS',
]

describe('any SQL text', () => {
  it('builds a query or fails with a coded TributaryError', () => {
    const session = newSession()
    const t = session.createDataFrame(
      [{ a: 1, b: 'x', ts: new Date(0) }],
      schema({ a: 'int', b: 'string', ts: 'timestamp' }),
    )
    t.createOrReplaceTempView('t')
    t.createOrReplaceTempView('u')
    const text = fc.oneof(
      fc.array(fc.constantFrom(...fragments), { maxLength: 14 }).map((parts) => parts.join(' ')),
      fc.array(fc.constantFrom(...fragments), { maxLength: 10 }).map((parts) => `SELECT ${parts.join(' ')}`),
      fc.string({ maxLength: 30 }),
    )
    fc.assert(
      fc.property(text, (sql) => {
        for (const attempt of [
          () => session.sql(sql, { p: 1 }),
          () => t.where(sql),
          () => t.selectExpr(sql),
        ]) {
          try {
            attempt()
          } catch (e) {
            expect(e, `${sql} → ${(e as Error).stack}`).toBeInstanceOf(TributaryError)
            expect((e as TributaryError).code).toMatch(/^[A-Z_]+$/)
          }
        }
      }),
      { numRuns: 400 },
    )
  })
})
