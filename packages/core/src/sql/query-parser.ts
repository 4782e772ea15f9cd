/**
 * Spark SQL queries by recursive descent; the grammar is `grammar.ebnf` beside this file
 * (and docs/sql.md). Expressions are read by expression-parser.ts.
 */
import type { Expr } from '../expr/expr.js'
import type { QueryAst, QueryBody, Relation, SelectAst, SelectItem } from './ast.js'
import { parseExpression } from './expression-parser.js'
import { TokenStream } from './token-stream.js'

/** A whole statement: one query, optionally ended by `;`. */
export function parseQueryText(
  text: string,
  timeZone = 'UTC',
  params: Readonly<Record<string, unknown>> = {},
): QueryAst {
  const ts = new TokenStream(text, timeZone, params)
  ts.parseSubquery = parseQuery
  if (ts.atEnd) throw ts.unexpected('a query (SELECT ... FROM ...)')
  const q = parseQuery(ts)
  ts.acceptOp(';')
  if (!ts.atEnd) throw ts.unexpected('the end of the query')
  return q
}

function parseQuery(ts: TokenStream): QueryAst {
  const ctes: { name: string; query: QueryAst; at: number }[] = []
  if (ts.acceptWord('WITH')) {
    do {
      const at = ts.peek().start
      const name = ts.expectName('a name for the WITH query')
      ts.expectWord('AS', 'AS (of WITH name AS (...))')
      ts.expectOp('(')
      const query = parseQuery(ts)
      ts.expectOp(')')
      ctes.push({ name, query, at })
    } while (ts.acceptOp(','))
  }
  const body = parseUnion(ts)
  const orderBy: Expr[] = []
  if (ts.acceptWord('ORDER')) {
    ts.expectWord('BY', 'BY (of ORDER BY)')
    do orderBy.push(parseSortItem(ts))
    while (ts.acceptOp(','))
  }
  let limit: number | null = null
  if (ts.acceptWord('LIMIT')) {
    const t = ts.peek()
    if (t.kind !== 'number' || !/^\d+$/.test(t.text))
      throw ts.unexpected('a non-negative whole number after LIMIT')
    ts.next()
    limit = Number(t.text)
  }
  return { kind: 'query', ctes, body, orderBy, limit }
}

function parseSortItem(ts: TokenStream): Expr {
  const child = parseExpression(ts)
  const ascending = !ts.acceptWord('DESC')
  if (ascending) ts.acceptWord('ASC')
  let nullsFirst = ascending
  if (ts.acceptWord('NULLS')) {
    if (ts.acceptWord('FIRST')) nullsFirst = true
    else if (ts.acceptWord('LAST')) nullsFirst = false
    else throw ts.unexpected('FIRST or LAST after NULLS')
  }
  return { kind: 'sortOrder', child, ascending, nullsFirst }
}

function parseUnion(ts: TokenStream): QueryBody {
  let left = parseQueryTerm(ts)
  for (;;) {
    if (ts.isWord('INTERSECT') || ts.isWord('EXCEPT') || ts.isWord('MINUS')) {
      throw ts.errorAt(
        ts.peek().start,
        `${ts.peek().text.toUpperCase()} is not supported; use a LEFT SEMI or LEFT ANTI JOIN.`,
      )
    }
    if (!ts.acceptWord('UNION')) return left
    const all = ts.acceptWord('ALL')
    if (!all) ts.acceptWord('DISTINCT')
    left = { kind: 'union', all, left, right: parseQueryTerm(ts) }
  }
}

function parseQueryTerm(ts: TokenStream): QueryBody {
  if (ts.isOp('(')) {
    ts.next()
    const query = parseQuery(ts)
    ts.expectOp(')')
    return { kind: 'nested', query }
  }
  return parseSelect(ts)
}

function parseSelect(ts: TokenStream): SelectAst {
  const at = ts.expectWord('SELECT', 'SELECT').start
  const hints = parseHints(ts)
  const distinct = ts.acceptWord('DISTINCT')
  if (!distinct) ts.acceptWord('ALL')
  const items: SelectItem[] = []
  do items.push(parseSelectItem(ts))
  while (ts.acceptOp(','))
  if (!ts.isWord('FROM')) throw ts.unexpected("FROM (a query reads a view: SELECT ... FROM name), or ','")
  ts.next()
  let from = parseRelation(ts)
  while (ts.isOp(',')) {
    const commaAt = ts.next().start
    from = {
      kind: 'join',
      left: from,
      right: parseRelation(ts),
      how: 'cross',
      on: null,
      using: null,
      at: commaAt,
    }
  }
  const where = ts.acceptWord('WHERE') ? parseExpression(ts) : null
  const groupBy: Expr[] = []
  if (ts.acceptWord('GROUP')) {
    ts.expectWord('BY', 'BY (of GROUP BY)')
    do groupBy.push(parseExpression(ts))
    while (ts.acceptOp(','))
  }
  const having = ts.acceptWord('HAVING') ? parseExpression(ts) : null
  return { kind: 'select', distinct, items, from, where, groupBy, having, hints, at }
}

/** Spark's names for the broadcast hint; other hint names pass through as written, lower-cased. */
const hintNames: Record<string, string> = {
  BROADCAST: 'broadcast',
  BROADCASTJOIN: 'broadcast',
  MAPJOIN: 'broadcast',
}

/** A hint comment right after SELECT: NAME(t, ...) [, NAME(...)]. */
function parseHints(ts: TokenStream): SelectAst['hints'] {
  const hint = ts.hintAfterPrevious()
  if (!hint) return []
  const inner = new TokenStream(hint.text)
  const out: { name: string; relations: string[]; at: number }[] = []
  const fail = (e: unknown): never => {
    const cause =
      e instanceof Error
        ? e.message
            .split('\n')[0]
            .replace(/^PARSE_SYNTAX_ERROR: /, '')
            .replace(/ \(line.*$/, '')
        : String(e)
    throw ts.errorAt(
      hint.start,
      `cannot read the hint /*+${hint.text}*/: ${cause} Write it as /*+ BROADCAST(t) */.`,
    )
  }
  try {
    while (!inner.atEnd) {
      const at = hint.start + inner.peek().start
      const name = inner.expectName('a hint name').toUpperCase()
      const relations: string[] = []
      if (inner.acceptOp('(')) {
        do relations.push(inner.expectName('a relation name'))
        while (inner.acceptOp(','))
        inner.expectOp(')')
      }
      out.push({ name: hintNames[name] ?? name.toLowerCase(), relations, at })
      inner.acceptOp(',')
    }
  } catch (e) {
    fail(e)
  }
  return out
}

/** `expr [AS] alias`, `*` or `name.*`; also what selectExpr() reads. */
export function parseSelectItem(ts: TokenStream): SelectItem {
  const at = ts.peek().start
  if (ts.acceptOp('*')) return { kind: 'star', qualifier: null, at }
  if (ts.isName() && ts.isOp('.', 1) && ts.isOp('*', 2)) {
    const qualifier = ts.next().text
    ts.next()
    ts.next()
    return { kind: 'star', qualifier, at }
  }
  const expr = parseExpression(ts)
  return { kind: 'expr', expr, alias: parseAlias(ts), at }
}

function parseAlias(ts: TokenStream): string | null {
  if (ts.acceptWord('AS')) {
    // Spark also takes a string as an alias: SELECT a AS 'b'.
    if (ts.peek().kind === 'string') return ts.next().text
    return ts.expectName('a name after AS')
  }
  if (ts.isName()) return ts.next().text
  return null
}

const joinKinds: [string[], string][] = [
  [['INNER', 'JOIN'], 'inner'],
  [['CROSS', 'JOIN'], 'cross'],
  [['LEFT', 'OUTER', 'JOIN'], 'left_outer'],
  [['LEFT', 'SEMI', 'JOIN'], 'left_semi'],
  [['LEFT', 'ANTI', 'JOIN'], 'left_anti'],
  [['LEFT', 'JOIN'], 'left_outer'],
  [['RIGHT', 'OUTER', 'JOIN'], 'right_outer'],
  [['RIGHT', 'JOIN'], 'right_outer'],
  [['FULL', 'OUTER', 'JOIN'], 'full_outer'],
  [['FULL', 'JOIN'], 'full_outer'],
  [['SEMI', 'JOIN'], 'left_semi'],
  [['ANTI', 'JOIN'], 'left_anti'],
  [['JOIN'], 'inner'],
]

function parseRelation(ts: TokenStream): Relation {
  let left = parseRelationPrimary(ts)
  for (;;) {
    const at = ts.peek().start
    const kind = joinKinds.find(([words]) => words.every((w, i) => ts.isWord(w, i)))
    if (!kind) return left
    for (const _ of kind[0]) ts.next()
    const right = parseRelationPrimary(ts)
    let on: Expr | null = null
    let using: string[] | null = null
    if (ts.acceptWord('ON')) on = parseExpression(ts)
    else if (ts.acceptWord('USING')) {
      ts.expectOp('(')
      using = []
      do using.push(ts.expectName('a column name'))
      while (ts.acceptOp(','))
      ts.expectOp(')')
    } else if (kind[1] !== 'cross')
      throw ts.unexpected('ON <condition> or USING (<columns>) after the joined relation')
    left = { kind: 'join', left, right, how: kind[1], on, using, at }
  }
}

function parseRelationPrimary(ts: TokenStream): Relation {
  const at = ts.peek().start
  if (ts.acceptOp('(')) {
    if (ts.isWord('SELECT') || ts.isWord('WITH') || ts.isOp('(')) {
      const query = parseQuery(ts)
      ts.expectOp(')')
      return { kind: 'subquery', query, alias: parseAlias(ts), at }
    }
    const inner = parseRelation(ts)
    ts.expectOp(')')
    return inner
  }
  const name = ts.expectName('a view name, or (SELECT ...)')
  let watermark: { column: string; delay: Expr; at: number } | null = null
  const alias = parseAlias(ts)
  if (ts.isWord('WATERMARK')) {
    const wAt = ts.next().start
    ts.expectWord('FOR', 'FOR (of WATERMARK FOR column AS delay)')
    const column = ts.expectName('the event-time column')
    ts.expectWord('AS', "AS (of WATERMARK FOR column AS INTERVAL '10' MINUTE)")
    watermark = { column, delay: parseExpression(ts), at: wAt }
  }
  return { kind: 'table', name, alias, watermark, at }
}
