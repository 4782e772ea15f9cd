import { describe, expect, it, vi } from 'vitest'
import { col, functions as F, lit, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const people = schema({ name: 'string', age: 'int', city: 'string' })
const rows = [
  { name: 'ada', age: 36, city: '' },
  { name: 'bob', age: 25, city: 'oslo' },
  { name: 'cy', age: 41, city: 'rome' },
]

describe('explain modes', () => {
  it('simple, extended, cost and formatted differ as in Spark; codegen and unknown modes are refused', () => {
    const session = newSession()
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const df = session
      .createDataFrame(rows, people)
      .where(col('city').neq(lit('')))
      .select('name', 'age')
    const simple = df.explain()
    const extended = df.explain('extended')
    const cost = df.explain('cost')
    const formatted = df.explain('formatted')
    expect(log).toHaveBeenCalledTimes(4)
    expect(df.explain(true)).toBe(extended)
    log.mockRestore()
    expect(simple.startsWith('== Physical Plan ==')).toBe(true)
    expect(simple).not.toContain('Logical Plan')
    expect(extended).toContain(
      "== Logical Plan ==\nProject [name, age]\n+- Filter (city != '')\n   +- LocalRelation",
    )
    // The empty string is quoted in the physical plan as well.
    expect(simple).toContain("Filter (city != '')")
    expect(cost).toMatch(
      /^== Logical Plan ==\nProject \[name, age\], Statistics\(sizeInBytes=unknown, rowCount=unknown\)/,
    )
    // 3 rows of name (20) + age (4) + city (20) + 8 bytes of row overhead, as Spark's default sizes.
    expect(cost).toContain('LocalRelation [name, age, city], Statistics(sizeInBytes=156.0 B, rowCount=3)')
    expect(formatted).toMatch(/^== Physical Plan ==\nProject \(3\)\n\+- Filter \(2\)\n {3}\+- \w+ \(1\)\n/)
    expect(formatted).toContain(
      "(2) Filter\nInput [3]: [name, age, city]\nOutput [3]: [name, age, city]\nArguments: Filter (city != '')",
    )
    expect(formatted).toContain('(3) Project\nInput [3]: [name, age, city]\nOutput [2]: [name, age]')
    expect(new Set([simple, extended, cost, formatted]).size).toBe(4)
    expect(() => df.explain('codegen')).toThrow(
      /UNSUPPORTED_EXPLAIN_MODE: explain\('codegen'\) has nothing to show/,
    )
    expect(() => df.explain('verbose' as 'simple')).toThrow(
      /UNSUPPORTED_EXPLAIN_MODE: explain\('verbose'\): use 'simple', 'extended', 'formatted', 'cost'/,
    )
  })

  it('join conditions name their sides', () => {
    const session = newSession()
    const logins = session.createDataFrame(
      [{ auth_id: 1, at: 'x' }],
      schema({ auth_id: 'long', at: 'string' }),
    )
    const accounts = session.createDataFrame(
      [{ auth_id: 1, who: 'ada' }],
      schema({ auth_id: 'long', who: 'string' }),
    )
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const text = logins
      .alias('l')
      .join(
        accounts.alias('r'),
        col('l.auth_id')
          .eq(col('r.auth_id'))
          .and(col('r.who').neq(lit(''))),
      )
      .explain(true)
    log.mockRestore()
    expect(text).toContain("Join Inner, ((l.auth_id = r.auth_id) AND (r.who != ''))")
    expect(text).toMatch(
      /Join.*\[auth_id\], \[auth_id\], Inner, .*\(\(l\.auth_id = r\.auth_id\) AND \(r\.who != ''\)\)/,
    )
  })

  it("query.explain() prints the running query's plan; with true the logical plan first", async () => {
    const session = newSession()
    const input = new MemoryStream(session, people)
    const q = await input
      .toDF()
      .groupBy('city')
      .agg(F.count('*').alias('n'))
      .writeStream.outputMode('complete')
      .format('memory')
      .queryName('cities')
      .start()
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const plain = q.explain()
    const extended = q.explain(true)
    expect(log.mock.calls.map((c) => c[0])).toEqual([plain, extended])
    log.mockRestore()
    expect(plain).toMatch(/^== Physical Plan ==\n.*Aggregate/)
    expect(extended).toMatch(
      /^== Logical Plan ==\nAggregate \[city\], \[count\(1\) AS n\]\n\+- StreamingRelation memory/,
    )
    expect(extended.endsWith(plain)).toBe(true)
    await q.stop()
  })
})
