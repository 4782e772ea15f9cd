/**
 * The SQL grammar on its own: expressions become the nodes the fluent API builds, queries
 * parse into the expected shape, and bad input fails with the line, the column and a caret.
 */
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit } from '../../src/index.js'
import { SqlParseError } from '../../src/sql/parse-error.js'
import { parseQueryText } from '../../src/sql/query-parser.js'
import { parseExpressionText, parseSelectExprText } from '../../src/sql/sql-text.js'
import { DoubleType, LongType, StringType } from '../../src/types/data-types.js'

const sql = parseExpressionText

describe('expressions build the fluent API’s nodes', () => {
  const cases: [string, unknown][] = [
    ['a + 1', col('a').plus(1).expr],
    ['a - b * 2', col('a').minus(col('b').multiply(2)).expr],
    ['(a - b) * 2', col('a').minus(col('b')).multiply(2).expr],
    ['a / 2 % 3', col('a').divide(2).mod(3).expr],
    ['-a', col('a').negate().expr],
    ['-5', lit(-5).expr],
    ["a = 'x'", col('a').eq('x').expr],
    ["a == 'x'", col('a').eq('x').expr],
    ['a <> 1 OR a != 2', col('a').neq(1).or(col('a').neq(2)).expr],
    ['a <=> b', col('a').eqNullSafe(col('b')).expr],
    [
      'a < 1 AND b <= 2 AND c > 3 AND d >= 4',
      col('a').lt(1).and(col('b').leq(2)).and(col('c').gt(3)).and(col('d').geq(4)).expr,
    ],
    ['NOT a AND b', col('a').not().and(col('b')).expr],
    ['a OR b AND c', col('a').or(col('b').and(col('c'))).expr],
    ['a IS NULL', col('a').isNull().expr],
    ['a IS NOT NULL', col('a').isNotNull().expr],
    ["a IN ('x', 'y')", col('a').isin('x', 'y').expr],
    ['a NOT IN (1, 2)', col('a').isin(1, 2).not().expr],
    ['a BETWEEN 1 AND 5', col('a').between(1, 5).expr],
    ['a NOT BETWEEN 1 AND 5', col('a').between(1, 5).not().expr],
    ["a LIKE 'x%'", col('a').like('x%').expr],
    ["a NOT LIKE 'x%'", col('a').like('x%').not().expr],
    ["a RLIKE '^x'", col('a').rlike('^x').expr],
    ["a REGEXP '^x'", col('a').rlike('^x').expr],
    ["CASE WHEN a > 1 THEN 'big' ELSE 'small' END", F.when(col('a').gt(1), 'big').otherwise('small').expr],
    ["CASE WHEN a > 1 THEN 'big' END", F.when(col('a').gt(1), 'big').expr],
    [
      "CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END",
      F.when(col('a').eq(1), 'one').when(col('a').eq(2), 'two').expr,
    ],
    ['CAST(a AS STRING)', col('a').cast('string').expr],
    ['a::bigint', col('a').cast('long').expr],
    ['CAST(a AS DECIMAL(10, 2))', { kind: 'cast', child: col('a').expr, to: DoubleType }],
    ['CAST(a AS ARRAY<STRING>)', col('a').cast({ array: 'string' }).expr],
    ['CAST(a AS STRUCT<x: INT, y: STRING>)', col('a').cast({ struct: { x: 'int', y: 'string' } }).expr],
    [
      'CAST(a AS MAP<STRING, BIGINT>)',
      { kind: 'cast', child: col('a').expr, to: { kind: 'map', key: StringType, value: LongType } },
    ],
    ['address.county', col('address.county').expr],
    ['`my col`', col('my col').expr],
    ['`a``b`', col('a`b').expr],
    ["m['k']", col('m').getItem('k').expr],
    ['arr[0]', col('arr').getItem(0).expr],
    ["m['k'].x", col('m').getItem('k').getField('x').expr],
    ['lower(name)', F.lower('name').expr],
    ['LOWER(name)', F.lower('name').expr],
    ['round(x)', F.round('x').expr],
    ['round(x, 2)', F.round('x', 2).expr],
    ['substring(s, 1, 3)', F.substring('s', 1, 3).expr],
    ['count(*)', F.count().expr],
    ['count(1)', F.count().expr],
    ['count(x)', F.count('x').expr],
    ['count(DISTINCT x, y)', F.countDistinct('x', 'y').expr],
    ['mean(x)', F.avg('x').expr],
    ['power(x, 2)', F.pow('x', 2).expr],
    ['nvl(x, y)', F.coalesce('x', 'y').expr],
    ['isnan(x)', { kind: 'call', name: 'isnan', args: [col('x').expr] }],
    ["window(ts, '5 minutes')", F.window('ts', '5 minutes').expr],
    ["window(ts, '10 minutes', '5 minutes')", F.window('ts', '10 minutes', '5 minutes').expr],
    ['window(ts, "1 minute")', F.window('ts', '1 minute').expr],
    ["session_window(ts, '5 minutes')", F.session_window('ts', '5 minutes').expr],
    ["concat_ws('-', a, b)", F.concat_ws('-', 'a', 'b').expr],
    ["date_trunc('hour', ts)", F.date_trunc('hour', 'ts').expr],
    ['first(x, true)', F.first('x', true).expr],
    ['percentile_approx(x, 0.5, 100)', F.percentile_approx('x', 0.5, 100).expr],
    ['percentile_approx(x, array(0.25, 0.75))', F.percentile_approx('x', [0.25, 0.75]).expr],
    [
      "from_json(v, 'a INT, b STRING')",
      F.from_json('v', {
        kind: 'struct',
        fields: [
          { name: 'a', type: { kind: 'int' }, nullable: true },
          { name: 'b', type: StringType, nullable: true },
        ],
      }).expr,
    ],
    [`from_avro(v, '{"type": "string"}')`, F.from_avro('v', '{"type": "string"}').expr],
    [`to_avro(v)`, F.to_avro('v').expr],
    ["ts + INTERVAL '10' MINUTE", col('ts').plus(F.interval('10 minutes')).expr],
    ['ts - INTERVAL 2 HOURS', col('ts').minus(F.interval('2 hours')).expr],
    ["INTERVAL '1 hour 30 minutes'", F.interval('90 minutes').expr],
    ['INTERVAL 1 HOUR 30 MINUTES', F.interval('90 minutes').expr],
    ["INTERVAL '1:30' HOUR TO MINUTE", F.interval('90 minutes').expr],
    ["INTERVAL '1 02:03:04.5' DAY TO SECOND", lit(93_784_500).expr],
    ["TIMESTAMP '2024-01-31 10:00:00'", lit(new Date('2024-01-31T10:00:00Z')).expr],
    [
      "a || '-' || b",
      {
        kind: 'call',
        name: 'concat',
        args: [{ kind: 'call', name: 'concat', args: [col('a').expr, lit('-').expr] }, col('b').expr],
      },
    ],
    ['1.5', { kind: 'literal', value: 1.5, type: DoubleType }],
    ['TRUE AND NULL', lit(true).and(lit(null)).expr],
    ["'it''s'", lit("it's").expr],
    ["'line\\nbreak'", lit('line\nbreak').expr],
    ['/* comment */ a -- trailing\n + 1', col('a').plus(1).expr],
  ]
  for (const [text, expected] of cases) {
    it(text, () => expect(sql(text)).toEqual(expected))
  }

  it('keywords are case-insensitive; names that are only keywords in places stay names', () => {
    expect(sql('window IS NOT NULL and key = value')).toEqual(
      col('window')
        .isNotNull()
        .and(col('key').eq(col('value'))).expr,
    )
  })

  it('a select item takes AS, a bare alias, or *', () => {
    expect(parseSelectExprText('a + 1 AS b')).toEqual(col('a').plus(1).alias('b').expr)
    expect(parseSelectExprText('a + 1 b')).toEqual(col('a').plus(1).alias('b').expr)
    expect(parseSelectExprText('*')).toEqual({ kind: 'star' })
  })
})

describe('queries', () => {
  it('parses every clause', () => {
    const q = parseQueryText(`
      WITH recent AS (SELECT * FROM events WHERE ts > TIMESTAMP '2024-01-01 00:00:00')
      SELECT r.key, count(*) AS n
      FROM recent r LEFT JOIN users u ON r.key = u.key
      WHERE u.name IS NOT NULL
      GROUP BY r.key
      HAVING count(*) > 1
      ORDER BY n DESC NULLS FIRST, r.key
      LIMIT 10;`)
    expect(q.ctes.map((c) => c.name)).toEqual(['recent'])
    expect(q.limit).toBe(10)
    expect(q.orderBy).toEqual([
      { kind: 'sortOrder', child: col('n').expr, ascending: false, nullsFirst: true },
      { kind: 'sortOrder', child: col('r.key').expr, ascending: true, nullsFirst: true },
    ])
    const body = q.body
    if (body.kind !== 'select') throw new Error('a select')
    expect(body.from.kind === 'join' && body.from.how).toBe('left_outer')
    expect(body.groupBy).toEqual([col('r.key').expr])
  })

  it('reads every join kind Spark names', () => {
    const kinds: [string, string][] = [
      ['JOIN', 'inner'],
      ['INNER JOIN', 'inner'],
      ['LEFT JOIN', 'left_outer'],
      ['LEFT OUTER JOIN', 'left_outer'],
      ['RIGHT JOIN', 'right_outer'],
      ['FULL OUTER JOIN', 'full_outer'],
      ['LEFT SEMI JOIN', 'left_semi'],
      ['LEFT ANTI JOIN', 'left_anti'],
    ]
    for (const [words, how] of kinds) {
      const q = parseQueryText(`SELECT * FROM a ${words} b ON a.id = b.id`)
      expect(q.body.kind === 'select' && q.body.from.kind === 'join' && q.body.from.how).toBe(how)
    }
    const using = parseQueryText('SELECT * FROM a JOIN b USING (id, day)')
    expect(using.body.kind === 'select' && using.body.from.kind === 'join' && using.body.from.using).toEqual([
      'id',
      'day',
    ])
  })

  it('UNION ALL chains to the left; subqueries in FROM take aliases', () => {
    const q = parseQueryText(
      'SELECT a FROM x UNION ALL SELECT a FROM y UNION ALL SELECT a FROM (SELECT a FROM z) AS s',
    )
    expect(q.body.kind).toBe('union')
    if (q.body.kind !== 'union') return
    expect(q.body.left.kind).toBe('union')
    expect(q.body.right.kind === 'select' && q.body.right.from).toMatchObject({
      kind: 'subquery',
      alias: 's',
    })
  })
})

describe('bad input points at the line and column', () => {
  const bad: [string, number, number, RegExp][] = [
    ['SELECT a,\n  FROM t', 2, 3, /expected an expression, but found 'FROM'/],
    ['SELECT a FROM t WHERE', 1, 22, /expected an expression, but found the end of the text/],
    ["SELECT a FROM t WHERE b = 'open", 1, 27, /string starting here is not closed/],
    ['SELECT a FROM t\nGROUP a', 2, 7, /expected BY \(of GROUP BY\), but found 'a'/],
    ['SELECT a FROM t LIMIT -1', 1, 23, /non-negative whole number after LIMIT/],
    ['SELECT CAST(a AS VARCHARR) FROM t', 1, 18, /expected a type \(STRING/],
    ["SELECT a FROM t WHERE ts > ts + INTERVAL '2' YEAR", 1, 46, /year-month intervals/],
    ["SELECT a FROM t WHERE ts > INTERVAL '1:2:3' HOUR TO MINUTE", 1, 37, /write the value as 'h:m'/],
    ['SELECT window(ts, size) FROM t', 1, 8, /second argument of window\(\) must be a literal/],
    ['SELECT a FROM t WHERE a NOT IN (SELECT b FROM u)', 1, 33, /NOT IN \(SELECT ...\) is not supported/],
    ['SELECT a FROM t @', 1, 17, /unexpected character '@'/],
    ['SELECT a FROM t EXCEPT SELECT a FROM u', 1, 17, /EXCEPT is not supported/],
    ["SELECT TIMESTAMP 'yesterday' FROM t", 1, 18, /is not a timestamp/],
    ['SELECT sum(DISTINCT a) FROM t', 1, 8, /DISTINCT is supported in count/],
  ]
  for (const [text, line, column, message] of bad) {
    it(JSON.stringify(text), () => {
      let error: unknown
      try {
        parseQueryText(text)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(SqlParseError)
      const e = error as SqlParseError
      expect(e.code).toBe('PARSE_SYNTAX_ERROR')
      expect(e.message).toMatch(message)
      expect([e.line, e.column]).toEqual([line, column])
      // The caret sits under the column on the quoted line.
      const lines = e.message.split('\n')
      const caretLine = lines.findIndex((l) => /^ *\^$/.test(l))
      expect(lines[caretLine].indexOf('^')).toBe(column - 1)
      expect(lines[caretLine - 1]).toBe(text.split('\n')[line - 1])
    })
  }

  it('an expression string rejects trailing text', () => {
    expect(() => sql('a = 1 b')).toThrow(/expected the end of the expression/)
    expect(() => sql('')).toThrow(/expected an expression/)
  })
})
