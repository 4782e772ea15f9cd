/** Arithmetic, comparison, boolean logic and null tests: the operators of Column. */
import {
  type BoolVector,
  boolVector,
  type NumberVector,
  numberVector,
  type Vector,
  valueAt,
} from '../../batch/vector.js'
import {
  BooleanType,
  commonType,
  type DataType,
  DoubleType,
  isNumeric,
  typeToString,
  widerNumeric,
} from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { castVector } from '../cast.js'
import type { Compiled, Kernel } from '../compiled.js'
import { combineValidity, compareValues, mapRows, numericBinary, valuesEqual } from '../kernels.js'
import { expectArity, lookupFunction, registerFunction, type ScalarFunctionDef } from '../registry.js'
import { nullVector } from './common.js'

function mismatch(op: string, args: readonly Compiled[], want: string): AnalysisError {
  return new AnalysisError(
    `DATATYPE_MISMATCH: ${op} needs ${want}, but got ${args.map((a) => `${a.name}: ${typeToString(a.type)}`).join(' and ')}. Cast the operands with .cast(...).`,
    'DATATYPE_MISMATCH',
  )
}

function arithmetic(name: string, f: (x: number, y: number) => number, resultType?: DataType): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 2)
      const [a, b] = args
      const numericOrNull = (t: DataType) => isNumeric(t) || t.kind === 'null'
      const temporalShift =
        (name === 'add' || name === 'subtract') && a.type.kind === 'timestamp' && isNumeric(b.type)
      if (!temporalShift && !(numericOrNull(a.type) && numericOrNull(b.type)))
        throw mismatch(name, args, 'numbers')
      const type =
        resultType ??
        (temporalShift
          ? a.type
          : widerNumeric(a.type.kind === 'null' ? b.type : a.type, b.type.kind === 'null' ? a.type : b.type))
      const integral = type.kind === 'int' || type.kind === 'long'
      const truncate = (out: NumberVector): NumberVector => {
        if (integral) {
          const v = out.values
          for (let i = 0; i < v.length; i++) v[i] = Math.trunc(v[i])
        }
        return out
      }
      const evaluate: Kernel = (batch, ctx) => {
        const x = castVector(
          a.evaluate(batch, ctx),
          type.kind === 'timestamp' ? a.type : DoubleType,
        ) as NumberVector
        const y = castVector(b.evaluate(batch, ctx), DoubleType, ctx.timeZone) as NumberVector
        return truncate(numericBinary(type, x, y, f))
      }
      // A column and a numeric literal: one loop per operator, the literal read once, not
      // made into a column. (A literal on the left only where the operator commutes.)
      const op = name as ArithmeticOp
      const constantRight = b.constant && !a.constant && isNumeric(b.type)
      const constantLeft =
        a.constant && !b.constant && isNumeric(a.type) && (name === 'add' || name === 'multiply')
      if (constantRight || constantLeft) {
        const column = constantRight ? a : b
        const c = (constantRight ? b : a).constant!.value as number | null
        const byConstant: Kernel = (batch, ctx) => {
          if (c === null) return nullVector(type, batch.numRows)
          const x = castVector(
            column.evaluate(batch, ctx),
            type.kind === 'timestamp' ? column.type : DoubleType,
          ) as NumberVector
          const out = new Float64Array(x.length)
          arithmeticByConstant(op, x.values, c, out)
          return truncate(numberVector(type, out, x.validity))
        }
        return { type, evaluate: byConstant }
      }
      return { type, evaluate }
    },
  })
}

type ArithmeticOp = 'add' | 'subtract' | 'multiply' | 'divide' | 'mod'

/** `x op c` for every x; division and modulo by zero give NaN (made null after). */
function arithmeticByConstant(op: ArithmeticOp, x: Float64Array, c: number, out: Float64Array): void {
  const n = x.length
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = x[i] + c
      break
    case 'subtract':
      for (let i = 0; i < n; i++) out[i] = x[i] - c
      break
    case 'multiply':
      for (let i = 0; i < n; i++) out[i] = x[i] * c
      break
    case 'divide':
      if (c === 0) out.fill(Number.NaN)
      else for (let i = 0; i < n; i++) out[i] = x[i] / c
      break
    case 'mod':
      if (c === 0) out.fill(Number.NaN)
      else for (let i = 0; i < n; i++) out[i] = x[i] % c
      break
  }
}

arithmetic('add', (x, y) => x + y)
arithmetic('subtract', (x, y) => x - y)
arithmetic('multiply', (x, y) => x * y)
// Spark's `/` is always fractional and yields null for division by zero.
arithmetic('divide', (x, y) => (y === 0 ? Number.NaN : x / y), DoubleType)
arithmetic('mod', (x, y) => (y === 0 ? Number.NaN : x % y))

/** Division by zero gives null, as in Spark's non-ANSI mode. */
function nanToNull(v: Vector): Vector {
  if (v.kind !== 'number') return v
  // The validity may be an input column's (shared, not copied): write into a copy.
  let validity: Uint8Array | null = null
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v.values[i])) {
      validity ??= v.validity ? v.validity.slice() : new Uint8Array(v.length).fill(1)
      validity[i] = 0
    }
  }
  return validity === null ? v : numberVector(v.type, v.values, validity)
}
for (const name of ['divide', 'mod']) {
  const def = lookupFunction(name) as ScalarFunctionDef
  registerFunction({
    kind: 'scalar',
    name,
    bind(args, options, expr) {
      const inner = def.bind(args, options, expr)
      return { type: inner.type, evaluate: (batch, ctx) => nanToNull(inner.evaluate(batch, ctx)) }
    },
  })
}

registerFunction({
  kind: 'scalar',
  name: 'negate',
  bind(args) {
    expectArity('negate', args, 1)
    const [a] = args
    if (!isNumeric(a.type)) throw mismatch('negate', args, 'a number')
    return {
      type: a.type,
      evaluate: (batch, ctx) => {
        const v = a.evaluate(batch, ctx) as NumberVector
        const out = new Float64Array(v.length)
        for (let i = 0; i < v.length; i++) out[i] = -v.values[i]
        return numberVector(a.type, out, v.validity)
      },
    }
  },
})

type CompareOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte'

/** The operator that gives the same answer with its operands swapped: `c < x` is `x > c`. */
const SWAPPED: Record<CompareOp, CompareOp> = {
  eq: 'eq',
  neq: 'neq',
  lt: 'gt',
  lte: 'gte',
  gt: 'lt',
  gte: 'lte',
}

/**
 * `x op c` for every x, with IEEE semantics: any comparison with NaN is false, != too (the
 * general kernel's). One loop per operator, so that no function is called per row.
 */
function compareNumbersToConstant(op: CompareOp, x: Float64Array, c: number, out: Uint8Array): void {
  const n = x.length
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = x[i] === c ? 1 : 0
      break
    case 'neq':
      for (let i = 0; i < n; i++) out[i] = x[i] < c || x[i] > c ? 1 : 0
      break
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = x[i] < c ? 1 : 0
      break
    case 'lte':
      for (let i = 0; i < n; i++) out[i] = x[i] <= c ? 1 : 0
      break
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = x[i] > c ? 1 : 0
      break
    case 'gte':
      for (let i = 0; i < n; i++) out[i] = x[i] >= c ? 1 : 0
      break
  }
}

/** `x op y` row by row over two number columns, IEEE semantics as above. */
function compareNumbers(op: CompareOp, x: Float64Array, y: Float64Array, out: Uint8Array): void {
  const n = x.length
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = x[i] === y[i] ? 1 : 0
      break
    case 'neq':
      for (let i = 0; i < n; i++) out[i] = x[i] < y[i] || x[i] > y[i] ? 1 : 0
      break
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = x[i] < y[i] ? 1 : 0
      break
    case 'lte':
      for (let i = 0; i < n; i++) out[i] = x[i] <= y[i] ? 1 : 0
      break
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = x[i] > y[i] ? 1 : 0
      break
    case 'gte':
      for (let i = 0; i < n; i++) out[i] = x[i] >= y[i] ? 1 : 0
      break
  }
}

/** `s op c` for a string column and a string constant; null rows stay null (validity). */
function compareStringsToConstant(op: CompareOp, xs: readonly unknown[], c: string): BoolVector {
  const n = xs.length
  const out = new Uint8Array(n)
  let validity: Uint8Array | null = null
  for (let i = 0; i < n; i++) {
    const s = xs[i]
    if (s == null) {
      validity ??= new Uint8Array(n).fill(1)
      validity[i] = 0
      continue
    }
    let r: boolean
    switch (op) {
      case 'eq':
        r = s === c
        break
      case 'neq':
        r = s !== c
        break
      case 'lt':
        r = (s as string) < c
        break
      case 'lte':
        r = (s as string) <= c
        break
      case 'gt':
        r = (s as string) > c
        break
      default:
        r = (s as string) >= c
    }
    out[i] = r ? 1 : 0
  }
  return boolVector(BooleanType, out, validity)
}

function comparison(name: CompareOp, test: (c: number) => boolean): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 2)
      const [a, b] = args
      const common = commonType(a.type, b.type)
      // Spark compares a string with a number or timestamp by casting the string.
      const type =
        common ??
        (a.type.kind === 'string' && b.type.kind !== 'string'
          ? b.type
          : b.type.kind === 'string' && a.type.kind !== 'string'
            ? a.type
            : undefined)
      if (!type) throw mismatch(name, args, 'operands of comparable types')
      const general: Kernel = (batch, ctx) => {
        const x = castVector(a.evaluate(batch, ctx), type, ctx.timeZone)
        const y = castVector(b.evaluate(batch, ctx), type, ctx.timeZone)
        if (x.kind === 'number' && y.kind === 'number') {
          const out = new Uint8Array(batch.numRows)
          compareNumbers(name, x.values, y.values, out)
          return boolVector(BooleanType, out, combineValidity([x, y], batch.numRows))
        }
        return mapRows(BooleanType, [x, y], batch.numRows, (p, q) =>
          name === 'eq' || name === 'neq' ? test(valuesEqual(p, q) ? 0 : 1) : test(compareValues(p, q)),
        )
      }
      // A column against a literal (either side) needs neither the literal as a column nor
      // a function call per row. The literal must already have the comparison's type (or
      // be a number compared as a number), so that no cast changes its value.
      const constantSide = b.constant ? b : a.constant ? a : null
      const columnSide = constantSide === b ? a : b
      const op = constantSide === b ? name : SWAPPED[name]
      const sameStorage = (t: DataType) =>
        (type.kind === 'string' && t.kind === 'string') ||
        (isNumeric(type) && isNumeric(t)) ||
        ((type.kind === 'timestamp' || type.kind === 'date') && t.kind === type.kind)
      if (
        constantSide &&
        !columnSide.constant &&
        sameStorage(constantSide.type) &&
        sameStorage(columnSide.type) &&
        (type.kind === 'string' || isNumeric(type) || columnSide.type.kind === type.kind)
      ) {
        const c = constantSide.constant!.value
        const evaluate: Kernel = (batch, ctx) => {
          if (c === null) return nullVector(BooleanType, batch.numRows)
          const x = castVector(columnSide.evaluate(batch, ctx), type, ctx.timeZone)
          if (x.kind === 'number') {
            const out = new Uint8Array(batch.numRows)
            compareNumbersToConstant(op, x.values, c as number, out)
            return boolVector(BooleanType, out, x.validity)
          }
          if (x.kind === 'object' && typeof c === 'string') return compareStringsToConstant(op, x.values, c)
          return general(batch, ctx)
        }
        return { type: BooleanType, evaluate }
      }
      return { type: BooleanType, evaluate: general }
    },
  })
}

comparison('eq', (c) => c === 0)
comparison('neq', (c) => c !== 0 && !Number.isNaN(c))
comparison('lt', (c) => c < 0)
comparison('lte', (c) => c <= 0)
comparison('gt', (c) => c > 0)
comparison('gte', (c) => c >= 0)

registerFunction({
  kind: 'scalar',
  name: 'eqNullSafe',
  bind(args) {
    expectArity('eqNullSafe', args, 2)
    const [a, b] = args
    const type = commonType(a.type, b.type)
    if (!type) throw mismatch('<=>', args, 'operands of comparable types')
    return {
      type: BooleanType,
      evaluate: (batch, ctx) => {
        const x = castVector(a.evaluate(batch, ctx), type, ctx.timeZone)
        const y = castVector(b.evaluate(batch, ctx), type, ctx.timeZone)
        return mapRows(
          BooleanType,
          [x, y],
          batch.numRows,
          (p, q) => (p === null || q === null ? p === q : valuesEqual(p, q)),
          true,
        )
      },
    }
  },
})

function requireBoolean(name: string, args: readonly Compiled[]): void {
  for (const a of args) {
    if (a.type.kind !== 'boolean' && a.type.kind !== 'null') throw mismatch(name, args, 'booleans')
  }
}

/** SQL's three-valued AND and OR. */
function logical(name: 'and' | 'or'): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 2)
      requireBoolean(name, args)
      const [a, b] = args
      const evaluate: Kernel = (batch, ctx) => {
        const x = a.evaluate(batch, ctx)
        const y = b.evaluate(batch, ctx)
        const n = batch.numRows
        if (x.kind === 'bool' && y.kind === 'bool') return logicalBools(name, x, y, n)
        const out = new Uint8Array(n)
        let validity: Uint8Array | null = null
        for (let i = 0; i < n; i++) {
          const p = valueAt(x, i) as boolean | null
          const q = valueAt(y, i) as boolean | null
          let r: boolean | null
          if (name === 'and') r = p === false || q === false ? false : p === null || q === null ? null : true
          else r = p === true || q === true ? true : p === null || q === null ? null : false
          if (r === null) {
            validity ??= new Uint8Array(n).fill(1)
            validity[i] = 0
          } else out[i] = r ? 1 : 0
        }
        return boolVector(BooleanType, out, validity)
      }
      return { type: BooleanType, evaluate }
    },
  })
}

/**
 * Three-valued AND / OR straight over two boolean columns' bytes. Without nulls it is a
 * bitwise & or |; with them, false AND null is false and true OR null is true.
 */
function logicalBools(name: 'and' | 'or', x: BoolVector, y: BoolVector, n: number): BoolVector {
  const xv = x.values
  const yv = y.values
  const xn = x.validity
  const yn = y.validity
  const out = new Uint8Array(n)
  if (xn === null && yn === null) {
    if (name === 'and') for (let i = 0; i < n; i++) out[i] = xv[i] & yv[i]
    else for (let i = 0; i < n; i++) out[i] = xv[i] | yv[i]
    return boolVector(BooleanType, out)
  }
  let validity: Uint8Array | null = null
  for (let i = 0; i < n; i++) {
    const pKnown = xn === null || xn[i] === 1
    const qKnown = yn === null || yn[i] === 1
    const p = pKnown ? xv[i] : 0
    const q = qKnown ? yv[i] : 0
    if (name === 'and') {
      if ((pKnown && p === 0) || (qKnown && q === 0)) continue // false
      if (pKnown && qKnown) out[i] = 1
      else {
        validity ??= new Uint8Array(n).fill(1)
        validity[i] = 0
      }
    } else {
      if ((pKnown && p === 1) || (qKnown && q === 1)) out[i] = 1
      else if (!(pKnown && qKnown)) {
        validity ??= new Uint8Array(n).fill(1)
        validity[i] = 0
      }
    }
  }
  return boolVector(BooleanType, out, validity)
}

logical('and')
logical('or')

registerFunction({
  kind: 'scalar',
  name: 'not',
  bind(args) {
    expectArity('not', args, 1)
    requireBoolean('not', args)
    const [a] = args
    return {
      type: BooleanType,
      evaluate: (batch, ctx) => {
        const v = a.evaluate(batch, ctx)
        if (v.kind !== 'bool') return mapRows(BooleanType, [v], batch.numRows, (x) => !x)
        const out = new Uint8Array(v.length)
        for (let i = 0; i < v.length; i++) out[i] = v.values[i] ? 0 : 1
        return boolVector(BooleanType, out, v.validity)
      },
    }
  },
})

function nullTest(name: string, wantNull: boolean): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 1)
      const [a] = args
      return {
        type: BooleanType,
        evaluate: (batch, ctx) => {
          const v = a.evaluate(batch, ctx)
          const out = new Uint8Array(v.length)
          for (let i = 0; i < v.length; i++) out[i] = (valueAt(v, i) === null) === wantNull ? 1 : 0
          return boolVector(BooleanType, out)
        },
      }
    },
  })
}
nullTest('isNull', true)
nullTest('isNotNull', false)

registerFunction({
  kind: 'scalar',
  name: 'isNaN',
  bind(args) {
    expectArity('isNaN', args, 1)
    const [a] = args
    return {
      type: BooleanType,
      evaluate: (batch, ctx) =>
        mapRows(BooleanType, [a.evaluate(batch, ctx)], batch.numRows, (x) => Number.isNaN(x)),
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'in',
  bind(args) {
    expectArity('isin', args, 1, Number.POSITIVE_INFINITY)
    const [a, ...list] = args
    let type = a.type
    for (const l of list) {
      const t = commonType(type, l.type)
      if (!t) throw mismatch('isin', args, 'values of the same type as the column')
      type = t
    }
    const constants = list.every((l) => l.constant) ? list.map((l) => l.constant!.value) : null
    // A list of plain values (no null, no nested value) is a set lookup per row.
    const plain = constants?.every((c) => typeof c !== 'object') ? new Set(constants) : null
    const evaluate: Kernel = (batch, ctx) => {
      const x = castVector(a.evaluate(batch, ctx), type, ctx.timeZone)
      if (plain) return inSet(x, plain)
      const values = constants ?? []
      const vecs = constants ? [] : list.map((l) => castVector(l.evaluate(batch, ctx), type, ctx.timeZone))
      const set = new Set(values.filter((v) => typeof v !== 'object'))
      const n = batch.numRows
      const out = new Uint8Array(n)
      let validity: Uint8Array | null = null
      for (let i = 0; i < n; i++) {
        const v = valueAt(x, i)
        if (v === null) {
          validity ??= new Uint8Array(n).fill(1)
          validity[i] = 0
          continue
        }
        const hit = constants
          ? set.has(v) || values.some((c) => typeof c === 'object' && valuesEqual(c, v))
          : vecs.some((w) => valuesEqual(valueAt(w, i), v))
        out[i] = hit ? 1 : 0
      }
      return boolVector(BooleanType, out, validity)
    }
    return { type: BooleanType, evaluate }
  },
})

/** `x IN (plain values)`: null rows stay null. */
function inSet(x: Vector, set: ReadonlySet<unknown>): BoolVector {
  const n = x.length
  const out = new Uint8Array(n)
  if (x.kind === 'object') {
    const xs = x.values
    let validity: Uint8Array | null = null
    for (let i = 0; i < n; i++) {
      const v = xs[i]
      if (v == null) {
        validity ??= new Uint8Array(n).fill(1)
        validity[i] = 0
      } else out[i] = set.has(v) ? 1 : 0
    }
    return boolVector(BooleanType, out, validity)
  }
  if (x.kind === 'number') {
    const xs = x.values
    for (let i = 0; i < n; i++) out[i] = set.has(xs[i]) ? 1 : 0
    return boolVector(BooleanType, out, x.validity)
  }
  const xs = x.values
  for (let i = 0; i < n; i++) out[i] = set.has(xs[i] === 1) ? 1 : 0
  return boolVector(BooleanType, out, x.validity)
}

registerFunction({
  kind: 'scalar',
  name: 'coalesce',
  bind(args) {
    expectArity('coalesce', args, 1, Number.POSITIVE_INFINITY)
    let type: DataType = args[0].type
    for (const a of args) {
      const t = commonType(type, a.type)
      if (!t) throw mismatch('coalesce', args, 'arguments of one type')
      type = t
    }
    return {
      type,
      evaluate: (batch, ctx) => {
        const vecs = args.map((a) => castVector(a.evaluate(batch, ctx), type, ctx.timeZone))
        return mapRows(type, vecs, batch.numRows, (...vals) => vals.find((v) => v !== null) ?? null, true)
      },
    }
  },
})
