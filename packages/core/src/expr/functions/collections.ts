/**
 * Arrays, maps and structs. Values inside them are stored the user's way (Dates for
 * time), so building a nested value converts engine values in (engineToNested) and
 * reading one converts them out (nestedToEngine). Map keys are strings, as in schemas.
 */
import { numberVector, objectVector, valueAt } from '../../batch/vector.js'
import {
  arrayOf,
  BooleanType,
  commonType,
  type DataType,
  IntType,
  NullType,
  StringType,
  type StructField,
  structOf,
  typeToString,
} from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { nearMatches } from '../../util/near-matches.js'
import { castVector } from '../cast.js'
import type { Compiled, Kernel } from '../compiled.js'
import { stripAlias } from '../expr.js'
import { expectArity, registerFunction } from '../registry.js'
import {
  engineToNested,
  expectArg,
  expectIntegral,
  expectString,
  javaNumberString,
  map1,
  map2,
  mismatch,
  nestedToEngine,
  nullVector,
  requireConstant,
  setOwn,
} from './common.js'

const isArray = (t: DataType): boolean => t.kind === 'array'
const elementOf = (t: DataType): DataType => (t.kind === 'array' ? t.element : NullType)

function expectArray(fn: string, args: readonly Compiled[], i: number): void {
  expectArg(fn, args, i, isArray, 'an array', 'Build one with array(...) or split(...).')
}

/** Equality inside arrays, as Spark's: NaN equals NaN, Dates by instant, nested values deeply. */
export function nestedEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b)
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a instanceof Uint8Array && b instanceof Uint8Array)
    return a.length === b.length && a.every((x, i) => x === b[i])
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => nestedEquals(x, b[i]))
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return (
      ka.length === kb.length &&
      ka.every(
        (k) =>
          Object.hasOwn(b, k) &&
          nestedEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    )
  }
  return false
}

/** An ordering of nested values of one type: nulls are left to the caller; NaN is the largest number. */
export function nestedComparator(type: DataType): (a: unknown, b: unknown) => number {
  switch (type.kind) {
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return (a, b) => {
        const x = a as number
        const y = b as number
        if (x < y) return -1
        if (x > y) return 1
        if (x === y) return 0
        return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1
      }
    case 'timestamp':
    case 'date':
      return (a, b) => (nestedToEngine(type, a) as number) - (nestedToEngine(type, b) as number)
    case 'boolean':
      return (a, b) => Number(a) - Number(b)
    case 'binary':
      return (a, b) => {
        const x = a as Uint8Array
        const y = b as Uint8Array
        for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i]
        return x.length - y.length
      }
    case 'array': {
      const inner = nestedComparator(type.element)
      return (a, b) => {
        const x = a as unknown[]
        const y = b as unknown[]
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
          const c = compareNullsFirst(inner, x[i], y[i])
          if (c !== 0) return c
        }
        return x.length - y.length
      }
    }
    case 'struct': {
      const fields = type.fields.map((f) => ({ name: f.name, cmp: nestedComparator(f.type) }))
      return (a, b) => {
        for (const f of fields) {
          const c = compareNullsFirst(
            f.cmp,
            (a as Record<string, unknown>)[f.name],
            (b as Record<string, unknown>)[f.name],
          )
          if (c !== 0) return c
        }
        return 0
      }
    }
    default:
      return (a, b) => {
        const x = String(a)
        const y = String(b)
        return x < y ? -1 : x > y ? 1 : 0
      }
  }
}

function compareNullsFirst(cmp: (a: unknown, b: unknown) => number, a: unknown, b: unknown): number {
  if (a == null) return b == null ? 0 : -1
  if (b == null) return 1
  return cmp(a, b)
}

const orderable = (t: DataType): boolean =>
  t.kind === 'map'
    ? false
    : t.kind === 'array'
      ? orderable(t.element)
      : t.kind === 'struct'
        ? t.fields.every((f) => orderable(f.type))
        : true

// Spark 3.x's default (spark.sql.legacy.sizeOfNull = true): size(null) is -1, not null.
registerFunction({
  kind: 'scalar',
  name: 'size',
  bind(args) {
    expectArity('size', args, 1)
    expectArg(
      'size',
      args,
      0,
      (t) => t.kind === 'array' || t.kind === 'map',
      'an array or a map',
      'Pass an array or map column.',
    )
    const [a] = args
    return {
      type: IntType,
      evaluate: (batch, ctx) => {
        const v = a.evaluate(batch, ctx)
        const n = batch.numRows
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const x = valueAt(v, i)
          out[i] = x === null ? -1 : Array.isArray(x) ? x.length : Object.keys(x as object).length
        }
        return numberVector(IntType, out)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'array_contains',
  bind(args) {
    expectArity('array_contains', args, 2)
    expectArray('array_contains', args, 0)
    const [arr, value] = args
    const element = elementOf(arr.type)
    if (!commonType(element, value.type)) {
      throw mismatch(
        'array_contains',
        args,
        1,
        `of the array's element type ${typeToString(element)}`,
        `Cast it with .cast('${typeToString(element)}').`,
      )
    }
    const find = (xs: unknown[], v: unknown): boolean | null => {
      let sawNull = false
      for (const x of xs) {
        if (x == null) sawNull = true
        else if (nestedEquals(x, v)) return true
      }
      // Not found in an array with nulls is unknown, as in Spark.
      return sawNull ? null : false
    }
    return {
      type: BooleanType,
      evaluate: (batch, ctx) => {
        const xs = arr.evaluate(batch, ctx)
        if (value.constant) {
          if (value.constant.value === null) return nullVector(BooleanType, batch.numRows)
          const v = engineToNested(value.type, value.constant.value)
          return map1<unknown[]>(BooleanType, xs, (x) => find(x, v))
        }
        return map2<unknown[], unknown>(BooleanType, xs, value.evaluate(batch, ctx), (x, v) =>
          find(x, engineToNested(value.type, v)),
        )
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'array',
  bind(args) {
    let element: DataType = NullType
    args.forEach((a, i) => {
      const t = commonType(element, a.type)
      if (!t)
        throw mismatch(
          'array',
          args,
          i,
          `of one type with the others (${typeToString(element)})`,
          `Cast the elements to one type with .cast('${typeToString(element)}').`,
        )
      element = t
    })
    const type = arrayOf(element)
    const el = element
    return {
      type,
      evaluate: (batch, ctx) => {
        const vecs = args.map((a) => castVector(a.evaluate(batch, ctx), el, ctx.timeZone))
        const n = batch.numRows
        const out = new Array<unknown[]>(n)
        for (let i = 0; i < n; i++) {
          const row = new Array<unknown>(vecs.length)
          for (let j = 0; j < vecs.length; j++) row[j] = engineToNested(el, valueAt(vecs[j], i))
          out[i] = row
        }
        return objectVector(type, out)
      },
    }
  },
})

/** The field name Spark gives a struct() argument: a column's or alias's name, else col1, col2, ... */
function fieldName(a: Compiled, i: number): string {
  const e = a.expr
  if (e.kind === 'alias' || e.kind === 'column') return a.name
  const inner = stripAlias(e)
  if (
    inner.kind === 'call' &&
    (inner.name === 'get_field' || inner.name === 'get_item') &&
    inner.args[1]?.kind === 'literal'
  )
    return String(inner.args[1].value)
  return `col${i + 1}`
}

registerFunction({
  kind: 'scalar',
  name: 'struct',
  bind(args) {
    expectArity('struct', args, 1, Number.POSITIVE_INFINITY)
    const fields: StructField[] = args.map((a, i) => ({
      name: fieldName(a, i),
      type: a.type,
      nullable: true,
    }))
    const seen = new Set<string>()
    for (const f of fields) {
      if (seen.has(f.name)) {
        throw new AnalysisError(
          `DATATYPE_MISMATCH: struct() would have two fields named '${f.name}'. Give them different names with .alias(...).`,
          'DATATYPE_MISMATCH',
        )
      }
      seen.add(f.name)
    }
    const type = structOf(fields)
    return {
      type,
      evaluate: (batch, ctx) => {
        const vecs = args.map((a) => a.evaluate(batch, ctx))
        const n = batch.numRows
        const out = new Array<Record<string, unknown>>(n)
        for (let i = 0; i < n; i++) {
          const row: Record<string, unknown> = {}
          for (let j = 0; j < vecs.length; j++)
            setOwn(row, fields[j].name, engineToNested(fields[j].type, valueAt(vecs[j], i)))
          out[i] = row
        }
        return objectVector(type, out)
      },
    }
  },
})

function zeroIndexError(): AnalysisError {
  return new AnalysisError(
    'INVALID_INDEX_OF_ZERO: element_at counts array positions from 1 (and from -1 at the end); 0 is not a position. Use getItem(i) for 0-based access.',
    'INVALID_INDEX_OF_ZERO',
  )
}

/** Shared by element_at (1-based) and get_item (0-based): an array element or a map value. */
function extractor(
  fn: string,
  args: readonly Compiled[],
  oneBased: boolean,
): { type: DataType; evaluate: Kernel } {
  const [c, key] = args
  const t = c.type
  if (t.kind === 'struct') {
    return getField(fn, c, requireConstant(fn, args, 1, 'the field name') as string, args)
  }
  expectArg(
    fn,
    args,
    0,
    (x) => x.kind === 'array' || x.kind === 'map',
    'an array or a map',
    'Pass an array or map column.',
  )
  if (t.kind === 'null') return { type: NullType, evaluate: (batch) => nullVector(NullType, batch.numRows) }
  if (t.kind === 'array') {
    expectIntegral(fn, args, 1)
    if (oneBased && key.constant?.value === 0) throw zeroIndexError()
    const type = t.element
    const at = (xs: unknown[], k: number): unknown => {
      let i: number
      if (oneBased) {
        if (k === 0) throw zeroIndexError()
        i = k > 0 ? k - 1 : xs.length + k
      } else i = k
      return i >= 0 && i < xs.length ? nestedToEngine(type, xs[i]) : null
    }
    return {
      type,
      evaluate: (batch, ctx) => {
        const xs = c.evaluate(batch, ctx)
        if (key.constant) {
          const k = key.constant.value as number | null
          if (k === null) return nullVector(type, batch.numRows)
          return map1<unknown[]>(type, xs, (x) => at(x, k))
        }
        return map2<unknown[], number>(type, xs, key.evaluate(batch, ctx), at)
      },
    }
  }
  if (t.kind !== 'map') throw new Error('unreachable')
  expectString(fn, args, 1)
  const type = t.value
  const get = (m: Record<string, unknown>, k: string): unknown =>
    Object.hasOwn(m, k) ? nestedToEngine(type, m[k]) : null
  return {
    type,
    evaluate: (batch, ctx) => {
      const ms = c.evaluate(batch, ctx)
      if (key.constant) {
        const k = key.constant.value as string | null
        if (k === null) return nullVector(type, batch.numRows)
        return map1<Record<string, unknown>>(type, ms, (m) => get(m, k))
      }
      return map2<Record<string, unknown>, string>(type, ms, key.evaluate(batch, ctx), get)
    },
  }
}

registerFunction({
  kind: 'scalar',
  name: 'element_at',
  bind(args) {
    expectArity('element_at', args, 2)
    return extractor('element_at', args, true)
  },
})

registerFunction({
  kind: 'scalar',
  name: 'get_item',
  bind(args) {
    expectArity('getItem', args, 2)
    return extractor('getItem', args, false)
  },
})

function getField(
  fn: string,
  c: Compiled,
  name: string,
  args: readonly Compiled[],
): { type: DataType; evaluate: Kernel } {
  const t = c.type
  if (t.kind === 'null') return { type: NullType, evaluate: (batch) => nullVector(NullType, batch.numRows) }
  if (t.kind !== 'struct')
    throw mismatch(fn, args, 0, 'a struct', 'getField reads a field of a struct column.')
  const field = t.fields.find((f) => f.name === name)
  if (!field) {
    const names = t.fields.map((f) => f.name)
    const near = nearMatches(name, names)
    throw new AnalysisError(
      `FIELD_NOT_FOUND: ${c.name} has no field '${name}'.${near.length ? ` Did you mean ${near.map((x) => `'${x}'`).join(' or ')}?` : ''} Its fields are: ${names.join(', ')}.`,
      'FIELD_NOT_FOUND',
    )
  }
  const type = field.type
  return {
    type,
    evaluate: (batch, ctx) =>
      map1<Record<string, unknown>>(type, c.evaluate(batch, ctx), (s) => nestedToEngine(type, s[name])),
  }
}

registerFunction({
  kind: 'scalar',
  name: 'get_field',
  bind(args) {
    expectArity('getField', args, 2)
    expectString('getField', args, 1)
    const name = requireConstant('getField', args, 1, 'the field name') as string | null
    if (name === null) throw mismatch('getField', args, 1, 'a field name', 'Pass the name as a string.')
    return getField('getField', args[0], name, args)
  },
})

/** How array_join prints an element: strings as they are, numbers as Spark casts them to string. */
function joinText(type: DataType): ((x: unknown) => string) | undefined {
  switch (type.kind) {
    case 'string':
    case 'null':
      return (x) => x as string
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return (x) => javaNumberString(type, x as number)
    case 'boolean':
      return (x) => String(x)
    default:
      return undefined
  }
}

registerFunction({
  kind: 'scalar',
  name: 'array_join',
  bind(args) {
    expectArity('array_join', args, 2, 3)
    expectArray('array_join', args, 0)
    expectString('array_join', args, 1)
    if (args[2]) expectString('array_join', args, 2)
    const [arr, sep, nullRep] = args
    const text = joinText(elementOf(arr.type))
    if (!text)
      throw mismatch('array_join', args, 0, 'an array of strings', "Cast it with .cast({ array: 'string' }).")
    const join = (xs: unknown[], s: string, rep: string | null | undefined): string => {
      const parts: string[] = []
      // Null elements are skipped unless a replacement is given.
      for (const x of xs) {
        if (x != null) parts.push(text(x))
        else if (rep != null) parts.push(rep)
      }
      return parts.join(s)
    }
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const xs = arr.evaluate(batch, ctx)
        const seps = sep.evaluate(batch, ctx)
        if (!nullRep) return map2<unknown[], string>(StringType, xs, seps, (x, s) => join(x, s, undefined))
        const reps = nullRep.evaluate(batch, ctx)
        const n = batch.numRows
        const out = new Array<string | null>(n)
        for (let i = 0; i < n; i++) {
          const x = valueAt(xs, i) as unknown[] | null
          const s = valueAt(seps, i) as string | null
          const r = valueAt(reps, i) as string | null
          out[i] = x === null || s === null || r === null ? null : join(x, s, r)
        }
        return objectVector(StringType, out)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'sort_array',
  bind(args) {
    expectArity('sort_array', args, 1, 2)
    expectArray('sort_array', args, 0)
    if (args[1])
      expectArg('sort_array', args, 1, (t) => t.kind === 'boolean', 'a boolean', 'Pass true or false.')
    const [arr] = args
    const asc = args[1] ? (requireConstant('sort_array', args, 1, 'ascending') as boolean | null) : true
    const element = elementOf(arr.type)
    if (!orderable(element))
      throw mismatch('sort_array', args, 0, 'an array of orderable elements', 'Maps cannot be sorted.')
    const cmp = nestedComparator(element)
    // Nulls first when ascending, last when descending, as in Spark.
    const sorter = (a: unknown, b: unknown): number =>
      asc ? compareNullsFirst(cmp, a, b) : compareNullsFirst(cmp, b, a)
    const type = arr.type.kind === 'null' ? arrayOf(NullType) : arr.type
    return {
      type,
      evaluate: (batch, ctx) =>
        asc === null
          ? nullVector(type, batch.numRows)
          : map1<unknown[]>(type, arr.evaluate(batch, ctx), (xs) => xs.slice().sort(sorter)),
    }
  },
})

/** A key that is equal for equal elements of one type (NaN included, Dates by instant). */
function distinctKey(x: unknown): unknown {
  if (x instanceof Date) return x.getTime()
  if (typeof x === 'object' && x !== null)
    return JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v))
  return x
}

registerFunction({
  kind: 'scalar',
  name: 'array_distinct',
  bind(args) {
    expectArity('array_distinct', args, 1)
    expectArray('array_distinct', args, 0)
    const [arr] = args
    const type = arr.type.kind === 'null' ? arrayOf(NullType) : arr.type
    return {
      type,
      evaluate: (batch, ctx) =>
        map1<unknown[]>(type, arr.evaluate(batch, ctx), (xs) => {
          const seen = new Set<unknown>()
          const out: unknown[] = []
          for (const x of xs) {
            const k = x == null ? null : distinctKey(x)
            if (seen.has(k)) continue
            seen.add(k)
            out.push(x ?? null)
          }
          return out
        }),
    }
  },
})
