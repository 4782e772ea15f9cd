/**
 * Spark SQL expressions, read by recursive descent into the same `Expr` nodes that
 * `col(...)`, `lit(...)` and `F.*` build. Identifiers and literals only ever become data in
 * those nodes (column paths, literal values): nothing from the text is turned into code.
 *
 * Precedence, lowest first (Spark's): OR; AND; NOT; comparisons, IS, IN, BETWEEN, LIKE,
 * RLIKE; `+ - ||`; `* / % DIV`; unary `- +`; `::`, `[...]`, `.field`.
 */
import { type Expr, literal } from '../expr/expr.js'
import { DoubleType, LongType } from '../types/data-types.js'
import type { Token } from './lexer.js'
import { parseIntervalLiteral, typedLiteral } from './literals.js'
import { FunctionCallError, functionCall } from './sql-functions.js'
import { parseType } from './sql-types.js'
import type { TokenStream } from './token-stream.js'

const call = (name: string, ...args: Expr[]): Expr => ({ kind: 'call', name, args })

/** The call name of `x IN (SELECT ...)` until the translator makes it a semi join. */
export const IN_SUBQUERY = '__in_subquery'

const comparisons: Record<string, string> = {
  '=': 'eq',
  '==': 'eq',
  '!=': 'neq',
  '<>': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '<=>': 'eqNullSafe',
}

export function parseExpression(ts: TokenStream): Expr {
  return parseOr(ts)
}

function parseOr(ts: TokenStream): Expr {
  let left = parseAnd(ts)
  while (ts.acceptWord('OR')) left = call('or', left, parseAnd(ts))
  return left
}

function parseAnd(ts: TokenStream): Expr {
  let left = parseNot(ts)
  while (ts.acceptWord('AND')) left = call('and', left, parseNot(ts))
  return left
}

function parseNot(ts: TokenStream): Expr {
  if (ts.isWord('NOT')) {
    ts.next()
    return call('not', parseNot(ts))
  }
  return parsePredicate(ts)
}

function parsePredicate(ts: TokenStream): Expr {
  let left = parseAdditive(ts)
  for (;;) {
    const t = ts.peek()
    if (t.kind === 'op' && comparisons[t.text]) {
      ts.next()
      left = call(comparisons[t.text], left, parseAdditive(ts))
      continue
    }
    if (ts.isWord('IS')) {
      ts.next()
      const negated = ts.acceptWord('NOT')
      if (ts.acceptWord('NULL')) {
        left = call(negated ? 'isNotNull' : 'isNull', left)
        continue
      }
      if (ts.acceptWord('DISTINCT', 'FROM')) {
        const same = call('eqNullSafe', left, parseAdditive(ts))
        left = negated ? same : call('not', same)
        continue
      }
      const truth = ts.acceptWord('TRUE') ? true : ts.acceptWord('FALSE') ? false : null
      if (truth !== null) {
        // x IS TRUE is false (not null) for a null x, as in Spark.
        const same = call('eqNullSafe', left, literal(truth))
        left = negated ? call('not', same) : same
        continue
      }
      throw ts.unexpected('NULL, NOT NULL, TRUE, FALSE or DISTINCT FROM after IS')
    }
    const negated =
      ts.isWord('NOT') &&
      (ts.isWord('IN', 1) ||
        ts.isWord('BETWEEN', 1) ||
        ts.isWord('LIKE', 1) ||
        ts.isWord('RLIKE', 1) ||
        ts.isWord('REGEXP', 1))
    if (negated) ts.next()
    let matched: Expr | null = null
    if (ts.acceptWord('IN')) {
      ts.expectOp('(')
      if (ts.isWord('SELECT') || ts.isWord('WITH')) {
        const at = ts.peek().start
        if (!ts.parseSubquery || negated) {
          throw ts.errorAt(
            at,
            negated
              ? 'NOT IN (SELECT ...) is not supported (its null semantics differ from an anti join); write LEFT ANTI JOIN when the columns have no nulls.'
              : 'IN (SELECT ...) works in session.sql only; here, join with the subquery (LEFT SEMI JOIN).',
          )
        }
        const query = ts.parseSubquery(ts)
        ts.expectOp(')')
        // Not an expression the engine evaluates: to-plan.ts turns it into a LEFT SEMI JOIN.
        left = { kind: 'call', name: IN_SUBQUERY, args: [left], options: { query, at } }
        continue
      }
      const values = [parseExpression(ts)]
      while (ts.acceptOp(',')) values.push(parseExpression(ts))
      ts.expectOp(')')
      matched = call('in', left, ...values)
    } else if (ts.acceptWord('BETWEEN')) {
      const low = parseAdditive(ts)
      ts.expectWord('AND', 'AND (of BETWEEN ... AND ...)')
      const high = parseAdditive(ts)
      // What Column.between builds.
      matched = call('and', call('gte', left, low), call('lte', left, high))
    } else if (ts.acceptWord('LIKE')) {
      matched = call('like', left, parseAdditive(ts))
    } else if (ts.acceptWord('RLIKE') || ts.acceptWord('REGEXP')) {
      matched = call('rlike', left, parseAdditive(ts))
    }
    if (matched) {
      left = negated ? call('not', matched) : matched
      continue
    }
    return left
  }
}

function parseAdditive(ts: TokenStream): Expr {
  let left = parseMultiplicative(ts)
  for (;;) {
    if (ts.acceptOp('+')) left = call('add', left, parseMultiplicative(ts))
    else if (ts.acceptOp('-')) left = call('subtract', left, parseMultiplicative(ts))
    else if (ts.acceptOp('||')) left = call('concat', left, parseMultiplicative(ts))
    else return left
  }
}

function parseMultiplicative(ts: TokenStream): Expr {
  let left = parseUnary(ts)
  for (;;) {
    if (ts.acceptOp('*')) left = call('multiply', left, parseUnary(ts))
    else if (ts.acceptOp('/')) left = call('divide', left, parseUnary(ts))
    else if (ts.acceptOp('%')) left = call('mod', left, parseUnary(ts))
    else if (ts.acceptWord('DIV'))
      left = { kind: 'cast', child: call('divide', left, parseUnary(ts)), to: LongType }
    else return left
  }
}

function parseUnary(ts: TokenStream): Expr {
  if (ts.isOp('-')) {
    ts.next()
    const operand = parseUnary(ts)
    // -5 is the literal -5, as lit(-5) makes.
    if (operand.kind === 'literal' && typeof operand.value === 'number')
      return literal(-operand.value, operand.type)
    return call('negate', operand)
  }
  if (ts.acceptOp('+')) return parseUnary(ts)
  return parsePostfix(ts)
}

function parsePostfix(ts: TokenStream): Expr {
  let e = parsePrimary(ts)
  for (;;) {
    if (ts.acceptOp('::')) {
      e = { kind: 'cast', child: e, to: parseType(ts) }
    } else if (ts.acceptOp('[')) {
      const key = parseExpression(ts)
      ts.expectOp(']')
      e = call('get_item', e, key)
    } else if (ts.isOp('.') && e.kind !== 'column') {
      ts.next()
      e = call('get_field', e, literal(ts.expectName('a field name')))
    } else return e
  }
}

function parseNumber(text: string): Expr {
  const suffix = /(BD|L|D|S|Y|F)$/i.exec(text)?.[1]?.toUpperCase()
  const digits = suffix ? text.slice(0, -suffix.length) : text
  const value = Number(digits)
  if (suffix === 'D' || suffix === 'F' || suffix === 'BD' || /[.eE]/.test(digits))
    return literal(value, DoubleType)
  return literal(value)
}

function parsePrimary(ts: TokenStream): Expr {
  const t = ts.peek()
  if (t.kind === 'number') {
    ts.next()
    return parseNumber(t.text)
  }
  if (t.kind === 'string') {
    ts.next()
    return literal(t.text)
  }
  if (t.kind === 'op' && t.text === ':' && (ts.peek(1).kind === 'word' || ts.peek(1).kind === 'quotedName')) {
    ts.next()
    return parameter(ts, ts.next())
  }
  if (t.kind === 'op' && t.text === '(') {
    ts.next()
    if (ts.isWord('SELECT'))
      throw ts.errorAt(
        ts.peek().start,
        'scalar subqueries are not supported in expressions; join with the subquery instead.',
      )
    const inner = parseExpression(ts)
    ts.expectOp(')')
    return inner
  }
  if (t.kind === 'word') {
    const word = t.text.toUpperCase()
    switch (word) {
      case 'NULL':
        ts.next()
        return literal(null)
      case 'TRUE':
      case 'FALSE':
        ts.next()
        return literal(word === 'TRUE')
      case 'CASE':
        ts.next()
        return parseCase(ts)
      case 'CAST':
      case 'TRY_CAST': {
        ts.next()
        ts.expectOp('(')
        const child = parseExpression(ts)
        ts.expectWord('AS', 'AS (of CAST(x AS type))')
        const to = parseType(ts)
        ts.expectOp(')')
        return { kind: 'cast', child, to }
      }
      case 'INTERVAL':
        ts.next()
        return parseIntervalLiteral(ts, t.start)
      case 'TIMESTAMP':
      case 'DATE':
        if (ts.peek(1).kind === 'string') {
          ts.next()
          return typedLiteral(ts, word)
        }
        break
      case 'CURRENT_TIMESTAMP':
      case 'CURRENT_DATE':
        if (!ts.isOp('(', 1)) {
          ts.next()
          return functionCall(word.toLowerCase(), [], false)
        }
        break
    }
  }
  if (ts.isName() && ts.isOp('(', 1)) return parseCall(ts)
  if (ts.isName()) {
    const parts = [ts.next().text]
    while (ts.isOp('.') && ts.isName(1)) {
      ts.next()
      parts.push(ts.next().text)
    }
    return { kind: 'column', path: parts.join('.') }
  }
  throw ts.unexpected('an expression')
}

/** `:name`: the value given for it, as a literal (a value, never SQL text). */
function parameter(ts: TokenStream, name: Token): Expr {
  if (!Object.hasOwn(ts.params, name.text)) {
    const known = Object.keys(ts.params)
    throw ts.errorAt(
      name.start - 1,
      `no value for the parameter :${name.text}. Pass it: session.sql(text, { ${name.text}: ... })${known.length ? ` (given: ${known.map((k) => `:${k}`).join(', ')})` : ''}.`,
    )
  }
  const value = ts.params[name.text]
  const ok =
    value === null ||
    ['string', 'number', 'boolean', 'bigint'].includes(typeof value) ||
    value instanceof Date ||
    (Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v)))
  if (!ok) {
    throw ts.errorAt(
      name.start - 1,
      `the parameter :${name.text} must be a string, number, boolean, bigint, Date, null or an array of them.`,
    )
  }
  return literal(typeof value === 'bigint' ? Number(value) : value)
}

function parseCall(ts: TokenStream): Expr {
  const nameToken = ts.next()
  ts.expectOp('(')
  const args: Expr[] = []
  let distinct = false
  if (ts.isOp('*') && ts.isOp(')', 1)) {
    ts.next()
    if (nameToken.text.toLowerCase() !== 'count')
      throw ts.errorAt(nameToken.start, `${nameToken.text}(*) is not a function call; only count(*) takes *.`)
  } else if (!ts.isOp(')')) {
    distinct = ts.acceptWord('DISTINCT')
    if (!distinct) ts.acceptWord('ALL')
    const named = nameToken.text.toLowerCase() === 'struct'
    do {
      const arg = parseExpression(ts)
      // struct(a AS x, b AS y) names its fields, as Spark's does.
      args.push(
        named && ts.acceptWord('AS')
          ? { kind: 'alias', child: arg, name: ts.expectName('a field name') }
          : arg,
      )
    } while (ts.acceptOp(','))
  }
  ts.expectOp(')', `')' or ',' (in the arguments of ${nameToken.text}(...))`)
  try {
    return functionCall(nameToken.text, args, distinct)
  } catch (e) {
    if (e instanceof FunctionCallError) throw ts.errorAt(nameToken.start, e.message)
    throw e
  }
}

function parseCase(ts: TokenStream): Expr {
  // CASE x WHEN v THEN ... compares x to each v.
  const subject = ts.isWord('WHEN') ? null : parseExpression(ts)
  const branches: { when: Expr; result: Expr }[] = []
  while (ts.acceptWord('WHEN')) {
    const w = parseExpression(ts)
    ts.expectWord('THEN', 'THEN (of CASE WHEN ... THEN ...)')
    branches.push({ when: subject ? call('eq', subject, w) : w, result: parseExpression(ts) })
  }
  if (branches.length === 0) throw ts.unexpected('WHEN (a CASE needs at least one WHEN ... THEN ...)')
  const otherwise = ts.acceptWord('ELSE') ? parseExpression(ts) : null
  ts.expectWord('END', 'END (to close CASE)')
  return { kind: 'case', branches, otherwise }
}
