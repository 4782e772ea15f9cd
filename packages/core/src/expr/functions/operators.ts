/** Arithmetic, comparison, boolean logic and null tests: the operators of Column. */
import { boolVector, type NumberVector, numberVector, type Vector, valueAt } from '../../batch/vector.js'
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
import { compareValues, mapRows, numericBinary, numericCompare, valuesEqual } from '../kernels.js'
import { expectArity, lookupFunction, registerFunction, type ScalarFunctionDef } from '../registry.js'

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
      const evaluate: Kernel = (batch, ctx) => {
        const x = castVector(
          a.evaluate(batch, ctx),
          type.kind === 'timestamp' ? a.type : DoubleType,
        ) as NumberVector
        const y = castVector(b.evaluate(batch, ctx), DoubleType) as NumberVector
        const out = numericBinary(type, x, y, f)
        if (type.kind === 'int' || type.kind === 'long') {
          const v = out.values
          for (let i = 0; i < v.length; i++) v[i] = Math.trunc(v[i])
        }
        return out
      }
      return { type, evaluate }
    },
  })
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
  let validity = v.validity
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v.values[i])) {
      validity ??= new Uint8Array(v.length).fill(1)
      validity[i] = 0
    }
  }
  return validity === v.validity ? v : numberVector(v.type, v.values, validity)
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

function comparison(name: string, test: (c: number) => boolean): void {
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
      const evaluate: Kernel = (batch, ctx) => {
        const x = castVector(a.evaluate(batch, ctx), type)
        const y = castVector(b.evaluate(batch, ctx), type)
        if (x.kind === 'number' && y.kind === 'number') {
          return numericCompare(
            x,
            y,
            (p, q) => test(p < q ? -1 : p > q ? 1 : p === q ? 0 : Number.NaN),
            BooleanType,
          )
        }
        return mapRows(BooleanType, [x, y], batch.numRows, (p, q) =>
          name === 'eq' || name === 'neq' ? test(valuesEqual(p, q) ? 0 : 1) : test(compareValues(p, q)),
        )
      }
      return { type: BooleanType, evaluate }
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
        const x = castVector(a.evaluate(batch, ctx), type)
        const y = castVector(b.evaluate(batch, ctx), type)
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
    const evaluate: Kernel = (batch, ctx) => {
      const x = castVector(a.evaluate(batch, ctx), type)
      const values = constants ?? []
      const vecs = constants ? [] : list.map((l) => castVector(l.evaluate(batch, ctx), type))
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
        const vecs = args.map((a) => castVector(a.evaluate(batch, ctx), type))
        return mapRows(type, vecs, batch.numRows, (...vals) => vals.find((v) => v !== null) ?? null, true)
      },
    }
  },
})
