/**
 * Helpers shared by the scalar function families: argument checks that produce
 * DATATYPE_MISMATCH errors, constant arguments, one-column loops, nested-value
 * conversion, and Java's text forms of numbers (Spark prints numbers the JVM way).
 */
import {
  boolVector,
  constantVector,
  numberVector,
  objectVector,
  storageOf,
  type Vector,
  VectorBuilder,
  valueAt,
} from '../../batch/vector.js'
import { type DataType, isIntegral, isNumeric, isTemporal, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import type { Compiled } from '../compiled.js'

const ordinals = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth']
const ordinal = (i: number): string => ordinals[i] ?? `#${i + 1}`

/** A DATATYPE_MISMATCH error naming the function, the argument, what it is, what it must be, and the fix. */
export function mismatch(
  fn: string,
  args: readonly Compiled[],
  i: number,
  want: string,
  fix: string,
): AnalysisError {
  const a = args[i]
  return new AnalysisError(
    `DATATYPE_MISMATCH: the ${ordinal(i)} argument of ${fn} must be ${want}, but ${a.name} is ${typeToString(a.type)}. ${fix}`,
    'DATATYPE_MISMATCH',
  )
}

/** Checks args[i] with `accept`; a null literal is always accepted (the result is null). */
export function expectArg(
  fn: string,
  args: readonly Compiled[],
  i: number,
  accept: (t: DataType) => boolean,
  want: string,
  fix: string,
): void {
  const t = args[i].type
  if (t.kind !== 'null' && !accept(t)) throw mismatch(fn, args, i, want, fix)
}

export const isString = (t: DataType): boolean => t.kind === 'string'

export function expectString(fn: string, args: readonly Compiled[], i: number): void {
  expectArg(fn, args, i, isString, 'a string', "Convert it with .cast('string').")
}

export function expectNumeric(fn: string, args: readonly Compiled[], i: number): void {
  expectArg(
    fn,
    args,
    i,
    isNumeric,
    'a number (int, long, float or double)',
    "Convert it with .cast('double').",
  )
}

export function expectIntegral(fn: string, args: readonly Compiled[], i: number): void {
  expectArg(fn, args, i, isIntegral, 'an integer (int or long)', "Convert it with .cast('int').")
}

/** The value of a literal argument; throws when the argument is a column and the function needs a constant. */
export function requireConstant(fn: string, args: readonly Compiled[], i: number, what: string): unknown {
  const c = args[i].constant
  if (!c) {
    throw new AnalysisError(
      `DATATYPE_MISMATCH: the ${ordinal(i)} argument of ${fn} (${what}) must be a literal, but ${args[i].name} is a column expression. Pass a constant value.`,
      'DATATYPE_MISMATCH',
    )
  }
  return c.value
}

/** A column of nulls of the given type. */
export const nullVector = (type: DataType, length: number): Vector => constantVector(type, null, length)

/** True when one of the arguments is the null literal, so the whole result is null. */
export const anyNullType = (args: readonly Compiled[]): boolean => args.some((a) => a.type.kind === 'null')

/**
 * f over one column, row by row, without the spread and per-argument null checks of
 * mapRows. A null input gives null; f may return null too.
 */
export function map1<A>(type: DataType, v: Vector, f: (a: A) => unknown): Vector {
  const n = v.length
  const storage = storageOf(type)
  if (v.kind === 'object' && storage === 'object') {
    const src = v.values
    const out = new Array<unknown>(n)
    for (let i = 0; i < n; i++) {
      const x = src[i]
      out[i] = x == null ? null : (f(x as A) ?? null)
    }
    return objectVector(type, out)
  }
  if (storage === 'number') {
    const out = new Float64Array(n)
    let validity: Uint8Array | null = null
    for (let i = 0; i < n; i++) {
      const x = valueAt(v, i)
      const r = x === null ? null : f(x as A)
      if (r == null) {
        validity ??= new Uint8Array(n).fill(1)
        validity[i] = 0
        out[i] = Number.NaN
      } else out[i] = r as number
    }
    return numberVector(type, out, validity)
  }
  if (storage === 'bool') {
    const out = new Uint8Array(n)
    let validity: Uint8Array | null = null
    for (let i = 0; i < n; i++) {
      const x = valueAt(v, i)
      const r = x === null ? null : f(x as A)
      if (r == null) {
        validity ??= new Uint8Array(n).fill(1)
        validity[i] = 0
      } else out[i] = r ? 1 : 0
    }
    return boolVector(type, out, validity)
  }
  const b = new VectorBuilder(type, n)
  for (let i = 0; i < n; i++) {
    const x = valueAt(v, i)
    b.append(x === null ? null : f(x as A))
  }
  return b.finish()
}

/** f over two columns; null when either input is null. */
export function map2<A, B>(type: DataType, a: Vector, b: Vector, f: (x: A, y: B) => unknown): Vector {
  const n = a.length
  const out = new VectorBuilder(type, n)
  for (let i = 0; i < n; i++) {
    const x = valueAt(a, i)
    const y = valueAt(b, i)
    out.append(x === null || y === null ? null : f(x as A, y as B))
  }
  return out.finish()
}

/** f over three columns; null when any input is null. */
export function map3<A, B, C>(
  type: DataType,
  a: Vector,
  b: Vector,
  c: Vector,
  f: (x: A, y: B, z: C) => unknown,
): Vector {
  const n = a.length
  const out = new VectorBuilder(type, n)
  for (let i = 0; i < n; i++) {
    const x = valueAt(a, i)
    const y = valueAt(b, i)
    const z = valueAt(c, i)
    out.append(x === null || y === null || z === null ? null : f(x as A, y as B, z as C))
  }
  return out.finish()
}

/**
 * A value read from inside an array, struct or map, in the engine's top-level form
 * (epoch ms for time). Nested values are stored the user's way, with Dates.
 */
export function nestedToEngine(type: DataType, v: unknown): unknown {
  if (v == null) return null
  if (isTemporal(type)) {
    const ms = v instanceof Date ? v.getTime() : (v as number)
    return type.kind === 'date' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms
  }
  return v
}

/** An engine value in the form it takes inside an array, struct or map (Dates for time). */
export function engineToNested(type: DataType, v: unknown): unknown {
  if (v == null) return null
  if (isTemporal(type) && typeof v === 'number') return new Date(v)
  return v
}

/** Sets an own property even for keys like `__proto__`, which a plain assignment would treat as the prototype. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  else obj[key] = value
}

/** Java's Double.toString: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`. */
export function javaDoubleString(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Number.POSITIVE_INFINITY) return 'Infinity'
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const a = Math.abs(x)
  if (a >= 1e-3 && a < 1e7) {
    const s = String(x)
    return s.includes('.') ? s : `${s}.0`
  }
  return javaScientific(x.toExponential())
}

/** Java's Float.toString for a float stored as a double: the shortest digits that round-trip through float32. */
export function javaFloatString(x: number): string {
  if (!Number.isFinite(x) || x === 0) return javaDoubleString(x)
  const f = Math.fround(x)
  let shortest = f
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p))
    if (Math.fround(candidate) === f) {
      shortest = candidate
      break
    }
  }
  const a = Math.abs(shortest)
  if (a >= 1e-3 && a < 1e7) {
    const s = String(shortest)
    return s.includes('.') ? s : `${s}.0`
  }
  return javaScientific(shortest.toExponential())
}

function javaScientific(exp: string): string {
  const [m, e] = exp.split('e')
  return `${m.includes('.') ? m : `${m}.0`}E${e.startsWith('+') ? e.slice(1) : e}`
}

/** A number's text as Java prints it for its Spark type (ints without a point, doubles with one). */
export function javaNumberString(type: DataType, x: number): string {
  if (type.kind === 'double') return javaDoubleString(x)
  if (type.kind === 'float') return javaFloatString(x)
  return String(x)
}

/** The decimal digits of a positive finite number's shortest form: value = 0.d1d2d3... × 10^point. */
export interface DecimalDigits {
  digits: string
  point: number
}

export function decimalDigits(abs: number): DecimalDigits {
  const [m, e] = abs.toExponential().split('e')
  const digits = m.replace('.', '')
  return { digits, point: Number(e) + 1 }
}

/**
 * Rounds decimal digits to `scale` places after the point. HALF_UP rounds ties away from
 * zero (Spark's round, Java's %f); HALF_EVEN to the even neighbour (bround). Working on
 * the shortest decimal form, as Spark's BigDecimal(double) does, makes round(2.675, 2) = 2.68.
 */
export function roundDigits(d: DecimalDigits, scale: number, mode: 'HALF_UP' | 'HALF_EVEN'): DecimalDigits {
  const keep = d.point + scale
  if (keep >= d.digits.length) return d
  if (keep < 0) return { digits: '0', point: 1 }
  const next = d.digits.charCodeAt(keep) - 48
  let up: boolean
  if (mode === 'HALF_UP') up = next >= 5
  else {
    const restNonZero = /[1-9]/.test(d.digits.slice(keep + 1))
    const prev = keep > 0 ? d.digits.charCodeAt(keep - 1) - 48 : 0
    up = next > 5 || (next === 5 && (restNonZero || prev % 2 === 1))
  }
  let kept = d.digits.slice(0, keep)
  let point = d.point
  if (up) {
    // Decimal increment with carry, on the string so that no precision is lost.
    const chars = kept.split('')
    let i = chars.length - 1
    while (i >= 0 && chars[i] === '9') {
      chars[i] = '0'
      i--
    }
    if (i < 0) {
      chars.unshift('1')
      point++
    } else chars[i] = String.fromCharCode(chars[i].charCodeAt(0) + 1)
    kept = chars.join('')
  }
  if (kept === '' || /^0*$/.test(kept)) return { digits: '0', point: 1 }
  return { digits: kept, point }
}

/** The number that decimal digits stand for. */
export function digitsToNumber(d: DecimalDigits, negative: boolean): number {
  const v = Number(`${d.digits}e${d.point - d.digits.length}`)
  return negative ? -v : v
}

/** Rounds x to `scale` decimal places the way Spark's round/bround do (scale may be negative). */
export function roundDecimal(x: number, scale: number, mode: 'HALF_UP' | 'HALF_EVEN'): number {
  if (!Number.isFinite(x) || x === 0) return x
  const r = digitsToNumber(roundDigits(decimalDigits(Math.abs(x)), scale, mode), x < 0)
  return r === 0 ? 0 : r
}

/** Fixed-point text with exactly `scale` digits after the point (Java's %.nf, HALF_UP). */
export function fixedString(abs: number, scale: number): string {
  if (abs === 0) return scale > 0 ? `0.${'0'.repeat(scale)}` : '0'
  const d = roundDigits(decimalDigits(abs), scale, 'HALF_UP')
  if (d.digits === '0') return scale > 0 ? `0.${'0'.repeat(scale)}` : '0'
  let intPart: string
  let frac: string
  if (d.point <= 0) {
    intPart = '0'
    frac = '0'.repeat(-d.point) + d.digits
  } else if (d.point >= d.digits.length) {
    intPart = d.digits + '0'.repeat(d.point - d.digits.length)
    frac = ''
  } else {
    intPart = d.digits.slice(0, d.point)
    frac = d.digits.slice(d.point)
  }
  frac = (frac + '0'.repeat(scale)).slice(0, scale)
  return scale > 0 ? `${intPart}.${frac}` : intPart
}

/** A small most-recently-used cache, for things compiled per distinct value of a column (regexes, patterns). */
export class SmallCache<V> {
  private readonly map = new Map<string, V>()
  constructor(private readonly capacity = 64) {}

  get(key: string, make: (key: string) => V): V {
    let v = this.map.get(key)
    if (v !== undefined) return v
    v = make(key)
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next().value
      if (oldest !== undefined) this.map.delete(oldest)
    }
    this.map.set(key, v)
    return v
  }
}

/**
 * A bounded memo of a pure function of a string, for string columns whose values repeat
 * (channels, URLs, codes): a row whose string was seen before takes the result already
 * computed. Only for functions whose results are immutable values (strings, booleans,
 * numbers, null), which can be handed out again.
 *
 * It holds at most `capacity` strings of at most MEMO_MAX_KEY_LENGTH characters; once full
 * it keeps what it has. It watches its hit rate per window of lookups: below `minHitRate`
 * (values that do not repeat, or a memo gone stale) it empties itself and stands aside for
 * a while, then tries again; so a column of distinct values costs little more than no memo.
 */
export class StringMemo<V> {
  private readonly map = new Map<string, V>()
  private lookups = 0
  private hits = 0
  /** Lookups still to let through without the memo after it stood aside. */
  private resting = 0

  /**
   * @param capacity distinct strings kept at most
   * @param minHitRate the share of lookups per window that must hit for the memo to stay on
   * @param window lookups per hit-rate window
   * @param rest lookups the memo stands aside after a window below `minHitRate`
   */
  constructor(
    private readonly capacity = MEMO_CAPACITY,
    private readonly minHitRate = 0.25,
    private readonly window = MEMO_WINDOW,
    private readonly rest = MEMO_REST,
  ) {}

  /** The remembered result for s; undefined when there is none or the memo is resting. */
  get(s: string): V | undefined {
    if (this.resting > 0) {
      this.resting--
      return undefined
    }
    const v = this.map.get(s)
    if (v !== undefined) this.hits++
    if (++this.lookups === this.window) {
      if (this.hits < this.minHitRate * this.window) {
        this.map.clear()
        this.resting = this.rest
      }
      this.lookups = 0
      this.hits = 0
    }
    return v
  }

  /** Remembers f(s) = v, while there is room (and the memo is not resting). */
  set(s: string, v: V): void {
    if (this.resting === 0 && this.map.size < this.capacity && s.length <= MEMO_MAX_KEY_LENGTH)
      this.map.set(s, v)
  }

  /** How many strings it holds (for tests). */
  get size(): number {
    return this.map.size
  }

  /** True while it stands aside after too few hits (for tests). */
  get isResting(): boolean {
    return this.resting > 0
  }
}

/** Distinct strings a StringMemo keeps. */
export const MEMO_CAPACITY = 4096
/** Longer strings are not kept: they seldom repeat, and would hold much memory. */
export const MEMO_MAX_KEY_LENGTH = 256
/** Lookups per hit-rate window. */
export const MEMO_WINDOW = 4096
/** Lookups a memo stands aside after a window with too few hits. */
export const MEMO_REST = 16 * MEMO_WINDOW

/**
 * f over a string column through a StringMemo: null rows give null, other rows f(s) (which
 * must not be undefined). The memo persists across batches.
 */
export function mapStringsMemo<V>(
  type: DataType,
  v: Vector,
  memo: StringMemo<V>,
  f: (s: string) => V,
): Vector {
  if (v.kind !== 'object') return map1<string>(type, v, f)
  const src = v.values
  const n = src.length
  if (storageOf(type) === 'object') {
    const out = new Array<unknown>(n)
    for (let i = 0; i < n; i++) {
      const s = src[i] as string | null | undefined
      if (s == null) {
        out[i] = null
        continue
      }
      let r = memo.get(s)
      if (r === undefined) {
        r = f(s)
        memo.set(s, r)
      }
      out[i] = r
    }
    return objectVector(type, out)
  }
  return map1<string>(type, v, (s) => {
    let r = memo.get(s)
    if (r === undefined) {
      r = f(s)
      memo.set(s, r)
    }
    return r
  })
}
