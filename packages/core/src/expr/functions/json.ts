/**
 * from_json, to_json and get_json_object. from_json reads with JSON.parse (native, fast)
 * and converts to the target type field by field: a field of the wrong type becomes null
 * and the rest of the record is kept (PERMISSIVE). get_json_object uses a small parser
 * of its own that keeps number text and key order, so that it returns `1.0` for 1.0 and
 * objects in their original order, as Spark does.
 */
import { type DataType, StringType, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { expectArity, registerFunction } from '../registry.js'
import {
  expectArg,
  expectString,
  javaNumberString,
  map1,
  map2,
  nestedToEngine,
  nullVector,
  SmallCache,
  setOwn,
} from './common.js'
import { compileDateTimePattern } from './datetime-pattern.js'
import {
  MS_PER_DAY,
  parseDateDefault,
  parseTimestampDefault,
  sessionZone,
  tryZone,
  type Zone,
} from './zones.js'

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const INT_MIN = -2147483648
const INT_MAX = 2147483647

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '+Infinity': Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  INF: Number.POSITIVE_INFINITY,
  '+INF': Number.POSITIVE_INFINITY,
  '-INF': Number.NEGATIVE_INFINITY,
}

function fromBase64(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null
  return new Uint8Array(Buffer.from(s, 'base64'))
}

/** A parsed JSON value as a value of `type` in nested form (Dates for time); null when it does not fit. */
function convert(type: DataType, v: unknown, zone: Zone): unknown {
  if (v === null || v === undefined) return null
  switch (type.kind) {
    case 'string':
      // Spark keeps a non-string value's JSON text in a string field.
      return typeof v === 'string' ? v : JSON.stringify(v)
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX ? v : null
    case 'long':
      return typeof v === 'number' && Number.isInteger(v) ? v : null
    case 'float':
    case 'double':
      if (typeof v === 'number') return v
      return typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : null
    case 'boolean':
      return typeof v === 'boolean' ? v : null
    case 'timestamp': {
      if (typeof v === 'number') return Number.isInteger(v) ? new Date(v * 1000) : null
      if (typeof v !== 'string') return null
      const ms = parseTimestampDefault(v, zone)
      return ms === null ? null : new Date(ms)
    }
    case 'date': {
      if (typeof v !== 'string') return null
      const d = parseDateDefault(v)
      return d === null ? null : new Date(d * MS_PER_DAY)
    }
    case 'binary':
      return typeof v === 'string' ? fromBase64(v) : null
    case 'array': {
      if (!Array.isArray(v)) return null
      return v.map((x) => convert(type.element, x, zone))
    }
    case 'map': {
      if (!isPlainObject(v)) return null
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) setOwn(out, k, convert(type.value, x, zone))
      return out
    }
    case 'struct': {
      if (!isPlainObject(v)) return null
      const out: Record<string, unknown> = {}
      for (const f of type.fields)
        setOwn(out, f.name, Object.hasOwn(v, f.name) ? convert(f.type, v[f.name], zone) : null)
      return out
    }
    default:
      return null
  }
}

registerFunction({
  kind: 'scalar',
  name: 'from_json',
  bind(args, options) {
    expectArity('from_json', args, 1)
    expectString('from_json', args, 0)
    const type = options.type as DataType | undefined
    if (!type || typeof type !== 'object' || !['struct', 'array', 'map'].includes(type.kind)) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: from_json needs a struct, array or map schema, but got ${type && typeof type === 'object' && 'kind' in type ? typeToString(type) : String(type)}. Pass a schema({...}) or a struct/array/map DataType.`,
        'DATATYPE_MISMATCH',
      )
    }
    const [a] = args
    // Spark reads a single object as a one-element array when the schema is an array of structs.
    const wrapObject = type.kind === 'array' && type.element.kind === 'struct'
    return {
      type,
      evaluate: (batch, ctx) => {
        const zone = sessionZone(ctx.timeZone)
        return map1<string>(type, a.evaluate(batch, ctx), (s) => {
          let parsed: unknown
          try {
            parsed = JSON.parse(s)
          } catch {
            return null
          }
          if (wrapObject && isPlainObject(parsed)) parsed = [parsed]
          return convert(type, parsed, zone)
        })
      },
    }
  },
})

// Spark's JSON defaults: timestampFormat yyyy-MM-dd'T'HH:mm:ss.SSSXXX (session zone), dateFormat yyyy-MM-dd.
const JSON_TIMESTAMP = compileDateTimePattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'to_json', false)
const JSON_DATE = compileDateTimePattern('yyyy-MM-dd', 'to_json', false)
const UTC = tryZone('UTC') as Zone

/** JSON text of a nested value of `type`, as Spark's to_json writes it. */
function writeJson(type: DataType, v: unknown, zone: Zone): string {
  if (v === null || v === undefined) return 'null'
  switch (type.kind) {
    case 'string':
      return JSON.stringify(v)
    case 'int':
    case 'long':
    case 'float':
    case 'double': {
      const x = v as number
      // Jackson quotes NaN and the infinities; finite doubles print as Java does (1.0).
      return Number.isFinite(x) ? javaNumberString(type, x) : JSON.stringify(javaNumberString(type, x))
    }
    case 'boolean':
      return v ? 'true' : 'false'
    case 'timestamp':
      return `"${JSON_TIMESTAMP.format(nestedToEngine(type, v) as number, zone)}"`
    case 'date':
      return `"${JSON_DATE.format(nestedToEngine(type, v) as number, UTC)}"`
    case 'binary':
      return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'))
    case 'array':
      return `[${(v as unknown[]).map((x) => writeJson(type.element, x, zone)).join(',')}]`
    case 'struct': {
      // Null fields are left out (Spark's ignoreNullFields default).
      const parts: string[] = []
      const o = v as Record<string, unknown>
      for (const f of type.fields) {
        const x = o[f.name]
        if (x != null) parts.push(`${JSON.stringify(f.name)}:${writeJson(f.type, x, zone)}`)
      }
      return `{${parts.join(',')}}`
    }
    case 'map':
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${JSON.stringify(k)}:${writeJson(type.value, x, zone)}`)
        .join(',')}}`
    default:
      return JSON.stringify(v)
  }
}

registerFunction({
  kind: 'scalar',
  name: 'to_json',
  bind(args) {
    expectArity('to_json', args, 1)
    expectArg(
      'to_json',
      args,
      0,
      (t) => t.kind === 'struct' || t.kind === 'array' || t.kind === 'map',
      'a struct, an array or a map',
      'Wrap the columns with struct(...) first.',
    )
    const [a] = args
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const zone = sessionZone(ctx.timeZone)
        return map1<unknown>(StringType, a.evaluate(batch, ctx), (v) => writeJson(a.type, v, zone))
      },
    }
  },
})

/** A JSON value that remembers number text and key order. */
type JNode =
  | { readonly k: 'obj'; readonly entries: readonly (readonly [string, JNode])[] }
  | { readonly k: 'arr'; readonly items: readonly JNode[] }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'raw'; readonly v: string }

class JsonSyntaxError extends Error {}

/** A strict JSON parser (RFC 8259) into JNodes; depth is bounded so a hostile input cannot overflow the stack. */
function parseJson(text: string): JNode {
  let i = 0
  const n = text.length
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 32 || c === 9 || c === 10 || c === 13) i++
      else break
    }
  }
  const fail = (): never => {
    throw new JsonSyntaxError()
  }
  const str = (): string => {
    const start = i
    i++
    let simple = true
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 34) {
        i++
        const body = text.slice(start, i)
        return simple ? body.slice(1, -1) : (JSON.parse(body) as string)
      }
      if (c === 92) {
        simple = false
        i += 2
      } else if (c < 32) fail()
      else i++
    }
    return fail()
  }
  const value = (depth: number): JNode => {
    if (depth > 512) fail()
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const entries: [string, JNode][] = []
      ws()
      if (text[i] === '}') {
        i++
        return { k: 'obj', entries }
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail()
        const key = str()
        ws()
        if (text[i] !== ':') fail()
        i++
        entries.push([key, value(depth + 1)])
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') {
          i++
          return { k: 'obj', entries }
        } else fail()
      }
    }
    if (c === '[') {
      i++
      const items: JNode[] = []
      ws()
      if (text[i] === ']') {
        i++
        return { k: 'arr', items }
      }
      for (;;) {
        items.push(value(depth + 1))
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') {
          i++
          return { k: 'arr', items }
        } else fail()
      }
    }
    if (c === '"') return { k: 'str', v: str() }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400))
    if (!m) return fail()
    i += m[0].length
    return { k: 'raw', v: m[0] }
  }
  const root = value(0)
  ws()
  if (i !== n) fail()
  return root
}

function writeNode(node: JNode): string {
  switch (node.k) {
    case 'str':
      return JSON.stringify(node.v)
    case 'raw':
      return node.v
    case 'arr':
      return `[${node.items.map(writeNode).join(',')}]`
    case 'obj':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${writeNode(v)}`).join(',')}}`
  }
}

type PathStep = { readonly key: string } | { readonly index: number } | { readonly wildcard: true }

/** Spark's JSONPath subset: $, .name, ['name'], [n], [*] and .*; null when the path is not valid. */
function parsePath(path: string): PathStep[] | null {
  if (!path.startsWith('$')) return null
  const steps: PathStep[] = []
  let i = 1
  while (i < path.length) {
    if (path[i] === '.') {
      i++
      if (path[i] === '*') {
        steps.push({ wildcard: true })
        i++
        continue
      }
      let j = i
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
      if (j === i) return null
      steps.push({ key: path.slice(i, j) })
      i = j
    } else if (path[i] === '[') {
      const close = path.indexOf(']', i)
      if (close < 0) return null
      const inner = path.slice(i + 1, close)
      if (inner === '*') steps.push({ wildcard: true })
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) })
      else if (/^'[^']*'$/.test(inner)) steps.push({ key: inner.slice(1, -1) })
      else return null
      i = close + 1
    } else return null
  }
  return steps
}

function evaluatePath(root: JNode, steps: readonly PathStep[]): string | null {
  let current: JNode[] = [root]
  let wild = false
  for (const step of steps) {
    const next: JNode[] = []
    for (const node of current) {
      if ('key' in step) {
        if (node.k !== 'obj') continue
        // With duplicate keys the first wins, as Jackson's streaming read finds it first.
        const hit = node.entries.find(([k]) => k === step.key)
        if (hit) next.push(hit[1])
      } else if ('index' in step) {
        if (node.k === 'arr' && step.index < node.items.length) next.push(node.items[step.index])
      } else if (node.k === 'arr') {
        wild = true
        next.push(...node.items)
      }
    }
    current = next
  }
  if (current.length === 0) return null
  // One match is returned bare; several (only possible through a wildcard) as a JSON array.
  if (wild && current.length > 1) return `[${current.map(writeNode).join(',')}]`
  const node = current[0]
  if (node.k === 'str') return node.v
  if (node.k === 'raw' && node.v === 'null') return null
  return writeNode(node)
}

function getJsonObject(json: string, steps: readonly PathStep[]): string | null {
  let root: JNode
  try {
    root = parseJson(json)
  } catch {
    return null
  }
  return evaluatePath(root, steps)
}

registerFunction({
  kind: 'scalar',
  name: 'get_json_object',
  bind(args) {
    expectArity('get_json_object', args, 2)
    expectString('get_json_object', args, 0)
    expectString('get_json_object', args, 1)
    const [a, p] = args
    let constant: PathStep[] | null | undefined
    if (p.constant) {
      const path = p.constant.value as string | null
      constant = path === null ? null : parsePath(path)
      // Spark returns null for every row when a literal path is malformed; naming the mistake is kinder.
      if (path !== null && constant === null) {
        throw new AnalysisError(
          `INVALID_PARAMETER_VALUE: get_json_object cannot read the path '${path}'. Use $ followed by .name, ['name'], [index] or [*], e.g. '$.a.b[0]'.`,
          'INVALID_PARAMETER_VALUE',
        )
      }
    }
    const cache = new SmallCache<PathStep[] | null>(64)
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        if (constant === null) return nullVector(StringType, batch.numRows)
        const docs = a.evaluate(batch, ctx)
        if (constant) {
          const steps = constant
          return map1<string>(StringType, docs, (s) => getJsonObject(s, steps))
        }
        return map2<string, string>(StringType, docs, p.evaluate(batch, ctx), (s, path) => {
          const steps = cache.get(path, parsePath)
          return steps ? getJsonObject(s, steps) : null
        })
      },
    }
  },
})
