/**
 * SQL strings on DataFrames and session.sql over views, batch: the seed snippets verbatim,
 * the same plans as the fluent forms (explain), the same analyzer errors, and injection
 * attempts that stay data.
 */
import { describe, expect, it } from 'vitest'
import { col, functions as F, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const orderSchema = schema({
  id: 'long',
  amount: 'double',
  ts: 'timestamp',
  address: { struct: { county: 'string', city: 'string' } },
  tags: { array: 'string' },
})
const orders = [
  {
    id: 1,
    amount: 120,
    ts: new Date('2024-01-01T10:00:00Z'),
    address: { county: 'Switzerland', city: 'Bern' },
    tags: ['a', 'b'],
  },
  {
    id: 2,
    amount: 30,
    ts: new Date('2024-01-01T10:04:00Z'),
    address: { county: 'France', city: 'Paris' },
    tags: ['c'],
  },
  {
    id: 3,
    amount: 75,
    ts: new Date('2024-01-01T10:06:00Z'),
    address: { county: 'Switzerland', city: 'Zug' },
    tags: [],
  },
]

function setup() {
  const session = newSession()
  const orderDf = session.createDataFrame(orders, orderSchema)
  const kafkaLike = session.createDataFrame(
    [{ key: new TextEncoder().encode('k1'), value: new TextEncoder().encode('{"n":1}') }],
    schema({ key: 'binary', value: 'binary' }),
  )
  return { session, orderDf, df: kafkaLike }
}

const explainOf = (d: { explain(extended?: boolean): string }): string => {
  const log = console.log
  console.log = () => {}
  try {
    return d.explain(true)
  } finally {
    console.log = log
  }
}

describe('the seed snippets, verbatim', () => {
  it('df.selectExpr("CAST(key AS STRING)", "CAST(value AS STRING)")', async () => {
    const { df } = setup()
    const out = df.selectExpr('CAST(key AS STRING)', 'CAST(value AS STRING)')
    expect(out.columns).toEqual(['key', 'value'])
    expect(await out.collect()).toEqual([{ key: 'k1', value: '{"n":1}' }])
  })

  it(`orderDf.where("address.county = 'Switzerland'")`, async () => {
    const { orderDf } = setup()
    const rows = await orderDf.where("address.county = 'Switzerland'").collect()
    expect(rows.map((r) => r.id)).toEqual([1, 3])
    expect(explainOf(orderDf.where("address.county = 'Switzerland'"))).toBe(
      explainOf(orderDf.where(col('address.county').eq('Switzerland'))),
    )
  })
})

describe('expressions from strings', () => {
  it('F.expr, withColumn, filter and selectExpr give the fluent plan and rows', async () => {
    const { orderDf } = setup()
    const sqlForm = orderDf
      .withColumn('size', F.expr("CASE WHEN amount >= 100 THEN 'big' ELSE 'small' END"))
      .filter('amount > 50 AND size(tags) >= 0')
      .selectExpr('id', 'round(amount * 1.1, 1) AS gross', 'upper(address.city) city', 'size')
    const fluent = orderDf
      .withColumn('size', F.when(col('amount').geq(100), 'big').otherwise('small'))
      .filter(col('amount').gt(50).and(F.size('tags').geq(0)))
      .select(
        col('id'),
        F.round(col('amount').multiply(1.1), 1).alias('gross'),
        F.upper('address.city').alias('city'),
        col('size'),
      )
    expect(await sqlForm.collect()).toEqual([
      { id: 1, gross: 132, city: 'BERN', size: 'big' },
      { id: 3, gross: 82.5, city: 'ZUG', size: 'small' },
    ])
    expect(explainOf(sqlForm)).toBe(explainOf(fluent))
    expect(await fluent.collect()).toEqual(await sqlForm.collect())
  })

  it('string join conditions, with aliases, as the fluent condition', async () => {
    const { session, orderDf } = setup()
    const limits = session.createDataFrame(
      [
        { county: 'Switzerland', max: 100 },
        { county: 'France', max: 10 },
      ],
      schema({ county: 'string', max: 'double' }),
    )
    const bySql = orderDf
      .alias('o')
      .join(limits.alias('l'), 'o.address.county = l.county AND o.amount > l.max')
    const byColumns = orderDf.alias('o').join(
      limits.alias('l'),
      col('o.address.county')
        .eq(col('l.county'))
        .and(col('o.amount').gt(col('l.max'))),
    )
    expect(explainOf(bySql)).toBe(explainOf(byColumns))
    expect((await bySql.collect()).map((r) => r.id).sort()).toEqual([1, 2])
    // A bare name is still a using-column join.
    const named = orderDf
      .withColumnRenamed('id', 'k')
      .join(orderDf.withColumnRenamed('id', 'k').select('k'), 'k')
    expect(named.columns[0]).toBe('k')
  })

  it('unknown columns and functions give the analyzer’s errors, with near matches', () => {
    const { orderDf } = setup()
    expect(() => orderDf.where('amuont > 1')).toThrow(
      /UNRESOLVED_COLUMN: column 'amuont' does not exist. Did you mean 'amount'\?/,
    )
    expect(() => orderDf.selectExpr('uper(address.city)')).toThrow(
      /UNRESOLVED_ROUTINE: function 'uper' does not exist. Did you mean 'upper'\?/,
    )
    expect(() => orderDf.where('address.country = 1')).toThrow(/Did you mean 'address.county'\?/)
    expect(() => orderDf.selectExpr('lower(address.city, 1)')).toThrow(/WRONG_NUM_ARGS/)
    expect(() => orderDf.where('amount')).toThrow(
      /DATATYPE_MISMATCH: the filter condition amount is double, not boolean/,
    )
  })
})

describe('session.sql over views', () => {
  it('SELECT with aliases, *, t.*, WHERE, ORDER BY and LIMIT', async () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('orders')
    const rows = await session
      .sql('SELECT o.*, amount / 2 AS half FROM orders AS o WHERE o.amount > 40 ORDER BY amount DESC LIMIT 1')
      .collect()
    expect(rows).toEqual([{ ...orders[0], half: 60 }])
    expect(session.sql('SELECT * FROM orders').columns).toEqual(orderDf.columns)
    // ORDER BY a column the SELECT does not output.
    const byHidden = session.sql('SELECT id FROM orders ORDER BY amount DESC')
    expect(byHidden.columns).toEqual(['id'])
    expect((await byHidden.collect()).map((r) => r.id)).toEqual([1, 3, 2])
    expect(explainOf(session.sql('SELECT * FROM orders WHERE amount > 40'))).toBe(
      explainOf(orderDf.where(col('amount').gt(40))),
    )
  })

  it('GROUP BY with aggregates and HAVING: the plan groupBy().agg() builds', async () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('orders')
    const sqlForm = session.sql(
      "SELECT window(ts, '5 minutes') AS w, address.county, count(*) AS n, sum(amount) FROM orders GROUP BY 1, address.county HAVING count(*) >= 1",
    )
    const fluent = orderDf
      .groupBy(F.window('ts', '5 minutes').alias('w'), 'address.county')
      .agg(F.count().alias('n'), F.sum('amount'))
      .where(col('n').geq(1))
    expect(explainOf(sqlForm)).toBe(explainOf(fluent))
    expect(sqlForm.plan).toEqual(fluent.plan)
    const rows = await sqlForm.collect()
    expect(rows.map((r) => [r.county, r.n, r['sum(amount)']]).sort()).toEqual(
      [
        ['France', 1, 30],
        ['Switzerland', 1, 120],
        ['Switzerland', 1, 75],
      ].sort(),
    )
    // Reordered or computed select items project after the aggregation.
    const reordered = await session
      .sql(
        'SELECT max(amount) AS top, lower(address.county) AS c FROM orders GROUP BY address.county ORDER BY c',
      )
      .collect()
    expect(reordered).toEqual([
      { top: 30, c: 'france' },
      { top: 120, c: 'switzerland' },
    ])
    // HAVING on an aggregate that is not selected.
    const having = await session
      .sql('SELECT address.county FROM orders GROUP BY address.county HAVING sum(amount) > 100')
      .collect()
    expect(having).toEqual([{ county: 'Switzerland' }])
  })

  it('refuses a column that is neither grouped nor aggregated', () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('orders')
    expect(() => session.sql('SELECT id, count(*) FROM orders GROUP BY address.county')).toThrow(
      /MISSING_AGGREGATION: 'id' in SELECT is neither in GROUP BY nor inside an aggregate/,
    )
    expect(() => session.sql('SELECT id FROM orders WHERE count(*) > 1')).toThrow(/INVALID_WHERE_CONDITION/)
  })

  it('joins (inner, outer, semi, using), UNION ALL, FROM subqueries and WITH', async () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('orders')
    session
      .createDataFrame(
        [
          { county: 'Switzerland', code: 'CH' },
          { county: 'Italy', code: 'IT' },
        ],
        schema({ county: 'string', code: 'string' }),
      )
      .createOrReplaceTempView('countries')
    const inner = await session
      .sql('SELECT o.id, c.code FROM orders o JOIN countries c ON o.address.county = c.county ORDER BY id')
      .collect()
    expect(inner).toEqual([
      { id: 1, code: 'CH' },
      { id: 3, code: 'CH' },
    ])
    const left = await session
      .sql(
        'SELECT id, code FROM orders LEFT JOIN countries ON orders.address.county = countries.county ORDER BY id',
      )
      .collect()
    expect(left.map((r) => r.code)).toEqual(['CH', null, 'CH'])
    const semi = await session
      .sql('SELECT * FROM countries c LEFT SEMI JOIN orders o ON o.address.county = c.county')
      .collect()
    expect(semi).toEqual([{ county: 'Switzerland', code: 'CH' }])
    const anti = await session
      .sql('SELECT * FROM countries c LEFT ANTI JOIN orders o ON o.address.county = c.county')
      .collect()
    expect(anti).toEqual([{ county: 'Italy', code: 'IT' }])
    const using = await session
      .sql(
        'SELECT county, code, id FROM (SELECT id, address.county AS county FROM orders) JOIN countries USING (county)',
      )
      .collect()
    expect(using.map((r) => r.id).sort()).toEqual([1, 3])
    const union = await session
      .sql(
        `WITH big AS (SELECT id FROM orders WHERE amount > 100), small AS (SELECT id FROM orders WHERE amount < 50)
         SELECT id FROM big UNION ALL SELECT id FROM small`,
      )
      .collect()
    expect(union.map((r) => r.id).sort()).toEqual([1, 2])
  })

  it('WHERE x IN (SELECT ...) is a LEFT SEMI JOIN', async () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('orders')
    session
      .createDataFrame([{ id: 3 }, { id: 1 }, { id: 9 }], schema({ id: 'long' }))
      .createOrReplaceTempView('flagged')
    const q = session.sql(
      'SELECT id, amount FROM orders WHERE amount > 50 AND id IN (SELECT id FROM flagged WHERE id < 5) ORDER BY id',
    )
    expect(await q.collect()).toEqual([
      { id: 1, amount: 120 },
      { id: 3, amount: 75 },
    ])
    expect(explainOf(q)).toMatch(/LeftSemi/)
    expect(() => session.sql('SELECT id FROM orders WHERE id IN (SELECT id, id FROM flagged)')).toThrow(
      /INVALID_SUBQUERY_EXPRESSION: the subquery of IN \(SELECT ...\) must return one column/,
    )
    expect(() => session.sql('SELECT id FROM orders WHERE id = 1 OR id IN (SELECT id FROM flagged)')).toThrow(
      /UNSUPPORTED_SUBQUERY_EXPRESSION/,
    )
    expect(() => session.sql('SELECT id FROM orders WHERE id NOT IN (SELECT id FROM flagged)')).toThrow(
      /PARSE_SYNTAX_ERROR: NOT IN \(SELECT ...\) is not supported/,
    )
    expect(() => orderDf.where('id IN (SELECT id FROM flagged)')).toThrow(/works in session.sql only/)
  })

  it('a BROADCAST hint after SELECT is F.broadcast on that side; elsewhere it is a comment', () => {
    const { session, orderDf } = setup()
    const countries = session.createDataFrame(
      [{ county: 'Switzerland', code: 'CH' }],
      schema({ county: 'string', code: 'string' }),
    )
    orderDf.createOrReplaceTempView('orders')
    countries.createOrReplaceTempView('countries')
    const bySql = session.sql(
      'SELECT /*+ BROADCAST(c) */ o.id, c.code FROM orders o JOIN countries c ON o.address.county = c.county',
    )
    const fluent = orderDf
      .alias('o')
      .join(F.broadcast(countries.alias('c')), col('o.address.county').eq(col('c.county')))
      .select('id', 'code')
    expect(explainOf(bySql)).toBe(explainOf(fluent))
    expect(explainOf(bySql)).toMatch(/ResolvedHint \(strategy=broadcast\)/)
    const comment = session.sql(
      'SELECT /* BROADCAST(c) */ o.id FROM orders o JOIN countries c ON o.address.county = c.county',
    )
    expect(explainOf(comment)).not.toMatch(/ResolvedHint/)
    expect(() => session.sql('SELECT /*+ BROADCAST(x) */ id FROM orders')).toThrow(
      /the hint names 'x', which is not a relation/,
    )
    expect(() => session.sql('SELECT /*+ BROADCAST( */ id FROM orders')).toThrow(
      /PARSE_SYNTAX_ERROR: cannot read the hint/,
    )
  })

  it('a join whose sides share column names (a self-join) reads them by relation, as Spark SQL does', async () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('orders')
    const later = session.sql(`
      SELECT a.id, b.id AS next_id, b.ts
      FROM orders a JOIN orders b
        ON a.address.county = b.address.county AND b.ts > a.ts AND b.ts <= a.ts + INTERVAL 10 MINUTES`)
    expect(later.columns).toEqual(['id', 'next_id', 'ts'])
    expect(await later.collect()).toEqual([{ id: 1, next_id: 3, ts: orders[2].ts }])
    const both = session.sql('SELECT a.*, b.id FROM orders a JOIN orders b ON a.id = b.id')
    expect(both.columns).toEqual(['a.id', 'a.amount', 'a.ts', 'a.address', 'a.tags', 'id'])
    expect(() => session.sql('SELECT amount FROM orders a JOIN orders b ON a.id = b.id')).toThrow(
      /UNRESOLVED_COLUMN: column 'amount' does not exist. Did you mean 'a.amount' or 'b.amount'\?/,
    )
  })

  it("TIMESTAMP literals are read in the session's time zone, as CAST(string AS TIMESTAMP) is", async () => {
    const session = newSession({ 'tributary.sql.session.timeZone': 'Europe/Oslo' })
    const df = session.createDataFrame(
      [{ ts: new Date('2024-01-01T09:30:00Z') }],
      schema({ ts: 'timestamp' }),
    )
    df.createOrReplaceTempView('t')
    const rows = await session
      .sql(
        "SELECT TIMESTAMP '2024-01-01 10:00:00' AS noon, ts >= TIMESTAMP '2024-01-01 10:00:00' AS after FROM t",
      )
      .collect()
    expect(rows).toEqual([{ noon: new Date('2024-01-01T09:00:00Z'), after: true }])
    expect(await df.where("ts < TIMESTAMP '2024-01-01 10:00:00'").count()).toBe(0)
  })

  it('views: names are case-insensitive, replaceable, droppable; missing ones get near matches', () => {
    const { session, orderDf } = setup()
    orderDf.createOrReplaceTempView('Orders')
    expect(session.sql('SELECT id FROM ORDERS').columns).toEqual(['id'])
    expect(() => orderDf.createTempView('orders')).toThrow(/TEMP_TABLE_OR_VIEW_ALREADY_EXISTS/)
    expect(() => session.sql('SELECT id FROM ordrs')).toThrow(
      /TABLE_NOT_FOUND: no view or table 'ordrs'. Did you mean 'Orders'\?/,
    )
    expect(session.table('orders').columns).toEqual(orderDf.columns)
    expect(session.dropTempView('orders')).toBe(true)
    expect(() => session.sql('SELECT id FROM orders')).toThrow(/TABLE_NOT_FOUND/)
    expect(() => orderDf.createOrReplaceTempView('x; DROP')).toThrow(/INVALID_VIEW_NAME/)
  })
})

describe('injection attempts stay data', () => {
  it('quotes and code in literals are values, never code', async () => {
    const { session } = setup()
    const evil = "'); globalThis.__pwned = true; ('"
    const df = session.createDataFrame([{ s: evil }, { s: 'x' }], schema({ s: 'string' }))
    df.createOrReplaceTempView('t')
    const rows = await session.sql(`SELECT s FROM t WHERE s = '${evil.replaceAll("'", "''")}'`).collect()
    expect(rows).toEqual([{ s: evil }])
    expect((globalThis as Record<string, unknown>).__pwned).toBeUndefined()
    // A template-literal payload: it must stay the characters it is.
    const payload = ['$', '{process.exit(1)}'].join('')
    const lit = await df.selectExpr(`'${payload}' AS v`, '"`constructor`" AS w').limit(1).collect()
    expect(lit).toEqual([{ v: payload, w: '`constructor`' }])
  })

  it('parameter markers (:name) carry values as literals, never as SQL text', async () => {
    const { session } = setup()
    const evil = "x' OR '1' = '1"
    const df = session.createDataFrame([{ s: evil }, { s: 'x' }, { s: 'y' }], schema({ s: 'string' }))
    df.createOrReplaceTempView('t')
    expect(await session.sql('SELECT s FROM t WHERE s = :s', { s: evil }).collect()).toEqual([{ s: evil }])
    expect(
      await session.sql('SELECT s FROM t WHERE s IN (:a, :b) ORDER BY s', { a: 'x', b: 'y' }).collect(),
    ).toEqual([{ s: 'x' }, { s: 'y' }])
    expect(() => session.sql('SELECT s FROM t WHERE s = :who', { s: 'x' })).toThrow(
      /PARSE_SYNTAX_ERROR: no value for the parameter :who. .*\(given: :s\)/,
    )
    expect(() => session.sql('SELECT s FROM t WHERE s = :s', { s: { toString: () => 'x' } })).toThrow(
      /must be a string/,
    )
  })

  it('the sql tagged template makes every interpolation a parameter', async () => {
    const { session } = setup()
    const evil = "x' OR '1' = '1"
    const df = session.createDataFrame(
      [
        { s: evil, n: 1 },
        { s: 'x', n: 2 },
      ],
      schema({ s: 'string', n: 'int' }),
    )
    df.createOrReplaceTempView('t')
    const min = 0
    expect(await session.sql`SELECT n FROM t WHERE s = ${evil} AND n > ${min}`.collect()).toEqual([{ n: 1 }])
    expect(await session.sql`SELECT n FROM t WHERE s = ${'x'}`.collect()).toEqual([{ n: 2 }])
    // A name cannot be interpolated: it would be a value.
    const table = 't'
    expect(() => session.sql`SELECT n FROM ${table}`).toThrow(/PARSE_SYNTAX_ERROR: expected a view name/)
  })

  it('backquoted names are looked up as names, whatever they contain', async () => {
    const { session } = setup()
    const weird = 'a"); process.exit(1); //'
    const df = session.createDataFrame(
      [{ [weird]: 1, __proto__x: 2 }],
      schema({ [weird]: 'int', __proto__x: 'int' }),
    )
    df.createOrReplaceTempView('w')
    expect(await session.sql(`SELECT \`${weird}\` + 1 AS v FROM w`).collect()).toEqual([{ v: 2 }])
    expect(() => session.sql('SELECT `constructor` FROM w')).toThrow(/UNRESOLVED_COLUMN/)
    expect(() => session.sql('SELECT `__proto__` FROM w')).toThrow(/UNRESOLVED_COLUMN/)
    expect(() => session.sql('SELECT 1 FROM w; DROP TABLE w')).toThrow(
      /PARSE_SYNTAX_ERROR: expected the end of the query/,
    )
    expect(() => session.sql('SELECT toString() FROM w')).toThrow(/UNRESOLVED_ROUTINE/)
    expect(() => session.sql('SELECT constructor(1) FROM w')).toThrow(/UNRESOLVED_ROUTINE/)
  })
})
