/**
 * String functions with Spark's semantics. Spark counts characters as Unicode code points
 * (a UTF-8 string's characters), so lengths, positions and padding here work on code
 * points, not on JavaScript's UTF-16 units. Patterns and regular expressions given as
 * literals are compiled once per query; ones that come from a column are compiled per
 * distinct value through a small cache.
 */
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { objectVector, type Vector, valueAt } from '../../batch/vector.js'
import {
  arrayOf,
  BooleanType,
  commonType,
  type DataType,
  IntType,
  StringType,
  typeToString,
} from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { castVector } from '../cast.js'
import type { Compiled, EvalContext, Kernel } from '../compiled.js'
import { expectArity, registerFunction } from '../registry.js'
import {
  anyNullType,
  expectArg,
  expectIntegral,
  expectString,
  MEMO_CAPACITY,
  map1,
  map2,
  map3,
  mapStringsMemo,
  mismatch,
  nullVector,
  requireConstant,
  SmallCache,
  StringMemo,
} from './common.js'
import { compileJavaFormat, formatJava } from './java-format.js'
import {
  compileJavaRegex,
  compileReplacement,
  type JavaRegex,
  javaReplaceAll,
  javaSplit,
  type Replacement,
  regexCache,
} from './java-regex.js'
import { sessionZone } from './zones.js'

const SURROGATE = /[\uD800-\uDFFF]/

/** Number of code points. */
export function charLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length
  let n = 0
  for (const _ of s) n++
  return n
}

/** Code points [start, end) of s. */
function charSlice(s: string, start: number, end: number): string {
  if (!SURROGATE.test(s)) return s.slice(start, end)
  return Array.from(s).slice(start, end).join('')
}

/** Spark's substringSQL: 1-based pos, 0 means 1, negative counts from the end; [start, end) clamped to [0, len]. */
function sqlRange(len: number, pos: number, length: number): [number, number] {
  let start = pos > 0 ? pos - 1 : pos < 0 ? len + pos : 0
  const end = Math.min(start + length, len)
  start = Math.max(start, 0)
  return start >= end ? [0, 0] : [start, end]
}

function unaryString(name: string, f: (s: string) => string): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 1)
      expectString(name, args, 0)
      const [a] = args
      return {
        type: StringType,
        evaluate: (batch, ctx) => map1<string>(StringType, a.evaluate(batch, ctx), f),
      }
    },
  })
}

unaryString('lower', (s) => s.toLowerCase())
unaryString('upper', (s) => s.toUpperCase())

/** Java's Character.toTitleCase for one code point: no change when upper case would be longer ('ß'). */
function titleChar(c: string): string {
  const u = c.toUpperCase()
  return u.length === c.length ? u : c
}

unaryString('initcap', (s) => {
  // Spark lower-cases, then upper-cases the first letter of each word; words are split on ' ' only.
  const lower = s.toLowerCase()
  let out = ''
  let atStart = true
  for (const c of lower) {
    out += atStart ? titleChar(c) : c
    atStart = c === ' '
  }
  return out
})

// Spark's trim family removes spaces (U+0020) only, not tabs or newlines, unless a set of characters is given.
function trimFunction(name: string, left: boolean, right: boolean): void {
  const trim = (s: string, chars: string): string => {
    const set = new Set(Array.from(chars))
    const cs = SURROGATE.test(s) ? Array.from(s) : s.split('')
    let start = 0
    let end = cs.length
    if (left) while (start < end && set.has(cs[start])) start++
    if (right) while (end > start && set.has(cs[end - 1])) end--
    return start === 0 && end === cs.length ? s : cs.slice(start, end).join('')
  }
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 1, 2)
      expectString(name, args, 0)
      if (args.length === 2) expectString(name, args, 1)
      const [a, chars] = args
      if (!chars) {
        const spaces = (s: string): string => {
          let start = 0
          let end = s.length
          if (left) while (start < end && s.charCodeAt(start) === 32) start++
          if (right) while (end > start && s.charCodeAt(end - 1) === 32) end--
          return start === 0 && end === s.length ? s : s.slice(start, end)
        }
        return {
          type: StringType,
          evaluate: (batch, ctx) => map1(StringType, a.evaluate(batch, ctx), spaces),
        }
      }
      return {
        type: StringType,
        evaluate: (batch, ctx) =>
          map2<string, string>(StringType, a.evaluate(batch, ctx), chars.evaluate(batch, ctx), trim),
      }
    },
  })
}
trimFunction('trim', true, true)
trimFunction('ltrim', true, false)
trimFunction('rtrim', false, true)

registerFunction({
  kind: 'scalar',
  name: 'length',
  bind(args) {
    expectArity('length', args, 1)
    const [a] = args
    expectArg(
      'length',
      args,
      0,
      (t) => t.kind === 'string' || t.kind === 'binary',
      'a string or binary',
      "Convert it with .cast('string').",
    )
    const f = a.type.kind === 'binary' ? (b: Uint8Array) => b.length : (s: string) => charLength(s)
    return {
      type: IntType,
      evaluate: (batch, ctx) => map1<string & Uint8Array>(IntType, a.evaluate(batch, ctx), f),
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'reverse',
  bind(args) {
    expectArity('reverse', args, 1)
    const [a] = args
    expectArg(
      'reverse',
      args,
      0,
      (t) => t.kind === 'string' || t.kind === 'array',
      'a string or an array',
      "Convert it with .cast('string').",
    )
    const type = a.type
    const f =
      type.kind === 'array'
        ? (v: unknown[]) => v.slice().reverse()
        : (s: string) =>
            SURROGATE.test(s) ? Array.from(s).reverse().join('') : s.split('').reverse().join('')
    return {
      type: type.kind === 'null' ? StringType : type,
      evaluate: (batch, ctx) =>
        map1<string & unknown[]>(type.kind === 'null' ? StringType : type, a.evaluate(batch, ctx), f),
    }
  },
})

/** Types that Spark casts to string implicitly where a string is expected (concat, concat_ws). */
const stringish = (t: DataType): boolean =>
  t.kind !== 'array' && t.kind !== 'struct' && t.kind !== 'map' && t.kind !== 'binary'

function stringColumns(args: readonly Compiled[]): Kernel[] {
  return args.map((a) =>
    a.type.kind === 'string'
      ? a.evaluate
      : (batch, ctx) => castVector(a.evaluate(batch, ctx), StringType, ctx.timeZone),
  )
}

registerFunction({
  kind: 'scalar',
  name: 'concat',
  bind(args) {
    if (args.length > 0 && args.every((a) => a.type.kind === 'array' || a.type.kind === 'null')) {
      // Spark's concat also joins arrays.
      let element: DataType | undefined
      for (const a of args) {
        if (a.type.kind !== 'array') continue
        const t: DataType | undefined = element ? commonType(element, a.type.element) : a.type.element
        if (!t)
          throw mismatch(
            'concat',
            args,
            args.indexOf(a),
            `an array of ${typeToString(element!)}`,
            'Cast the arrays to one element type.',
          )
        element = t
      }
      if (!element) return { type: StringType, evaluate: (batch) => nullVector(StringType, batch.numRows) }
      const type = arrayOf(element)
      return {
        type,
        evaluate: (batch, ctx) => {
          const vecs = args.map((a) => a.evaluate(batch, ctx))
          const out = new Array<unknown>(batch.numRows)
          rows: for (let i = 0; i < batch.numRows; i++) {
            const parts: unknown[] = []
            for (const v of vecs) {
              const x = valueAt(v, i) as unknown[] | null
              if (x === null) {
                out[i] = null
                continue rows
              }
              for (const e of x) parts.push(e)
            }
            out[i] = parts
          }
          return objectVector(type, out)
        },
      }
    }
    for (let i = 0; i < args.length; i++)
      expectArg(
        'concat',
        args,
        i,
        stringish,
        'a string (or all arguments arrays)',
        "Convert it with .cast('string').",
      )
    const kernels = stringColumns(args)
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const vecs = kernels.map((k) => k(batch, ctx))
        const n = batch.numRows
        const out = new Array<string | null>(n)
        rows: for (let i = 0; i < n; i++) {
          let s = ''
          for (const v of vecs) {
            const x = v.values[i] as string | null | undefined
            if (x == null) {
              out[i] = null
              continue rows
            }
            s += x
          }
          out[i] = s
        }
        return objectVector(StringType, out)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'concat_ws',
  bind(args) {
    expectArity('concat_ws', args, 1, Number.POSITIVE_INFINITY)
    expectString('concat_ws', args, 0)
    const [sep, ...rest] = args
    for (let i = 1; i < args.length; i++)
      expectArg(
        'concat_ws',
        args,
        i,
        (t) =>
          stringish(t) || (t.kind === 'array' && (t.element.kind === 'string' || t.element.kind === 'null')),
        'a string or an array of strings',
        "Convert it with .cast('string').",
      )
    const kernels = rest.map((a) => (a.type.kind === 'array' ? a.evaluate : stringColumns([a])[0]))
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const sepVec = sep.evaluate(batch, ctx)
        const vecs = kernels.map((k) => k(batch, ctx))
        const n = batch.numRows
        const out = new Array<string | null>(n)
        for (let i = 0; i < n; i++) {
          const s = valueAt(sepVec, i) as string | null
          if (s === null) {
            out[i] = null
            continue
          }
          // Nulls (and null array elements) are skipped, as in Spark.
          const parts: string[] = []
          for (const v of vecs) {
            const x = v.values[i] as string | (string | null)[] | null | undefined
            if (x == null) continue
            if (Array.isArray(x)) {
              for (const e of x) if (e != null) parts.push(e)
            } else parts.push(x)
          }
          out[i] = parts.join(s)
        }
        return objectVector(StringType, out)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'substring',
  bind(args) {
    expectArity('substring', args, 2, 3)
    const [a, pos, len] = args
    expectArg(
      'substring',
      args,
      0,
      (t) => t.kind === 'string' || t.kind === 'binary',
      'a string or binary',
      "Convert it with .cast('string').",
    )
    expectIntegral('substring', args, 1)
    if (len) expectIntegral('substring', args, 2)
    const type = a.type.kind === 'binary' ? a.type : StringType
    const sub =
      type.kind === 'binary'
        ? (b: Uint8Array, p: number, l: number) => {
            const [s, e] = sqlRange(b.length, p, l)
            return b.slice(s, e)
          }
        : (s: string, p: number, l: number) => {
            const [start, end] = sqlRange(charLength(s), p, l)
            return charSlice(s, start, end)
          }
    const f = sub as (x: unknown, p: number, l: number) => unknown
    return {
      type,
      evaluate: (batch, ctx) => {
        const v = a.evaluate(batch, ctx)
        if (pos.constant && (!len || len.constant)) {
          const p = pos.constant.value as number | null
          const l = len ? (len.constant!.value as number | null) : Number.MAX_SAFE_INTEGER
          if (p === null || l === null) return nullVector(type, batch.numRows)
          return map1(type, v, (x) => f(x, p, l))
        }
        const lv = len ? len.evaluate(batch, ctx) : null
        const pv = pos.evaluate(batch, ctx)
        return lv
          ? map3<unknown, number, number>(type, v, pv, lv, f)
          : map2<unknown, number>(type, v, pv, (x, p) => f(x, p, Number.MAX_SAFE_INTEGER))
      },
    }
  },
})

/** A regex argument: compiled once when it is a literal, through a cache when it is a column. */
interface RegexArg {
  /** Set when the pattern is a literal; null when the literal is null. */
  readonly constant?: JavaRegex | null
  readonly perRow: (pattern: string) => JavaRegex
}

function regexArg(fn: string, args: readonly Compiled[], i: number): RegexArg {
  expectString(fn, args, i)
  const c = args[i].constant
  const perRow = regexCache(fn)
  if (!c) return { perRow }
  return { perRow, constant: c.value === null ? null : compileJavaRegex(c.value as string, fn) }
}

/** Evaluates f(string, regex) per row, with the pattern compiled once when it is a literal. */
function withRegex(
  type: DataType,
  str: Vector,
  patternArg: Compiled,
  regex: RegexArg,
  batch: ColumnarBatch<unknown>,
  ctx: EvalContext,
  f: (s: string, re: JavaRegex) => unknown,
  memo?: StringMemo<unknown>,
): Vector {
  if (regex.constant === null) return nullVector(type, batch.numRows)
  if (regex.constant) {
    const re = regex.constant
    if (memo) return mapStringsMemo(type, str, memo, (s) => f(s, re))
    return map1<string>(type, str, (s) => f(s, re))
  }
  return map2<string, string>(type, str, patternArg.evaluate(batch, ctx), (s, p) => f(s, regex.perRow(p)))
}

registerFunction({
  kind: 'scalar',
  name: 'rlike',
  bind(args) {
    expectArity('rlike', args, 2)
    expectString('rlike', args, 0)
    const regex = regexArg('rlike', args, 1)
    // Strings that repeat are matched once (with a literal pattern, the answer depends on the string only).
    const memo = new StringMemo<unknown>()
    return {
      type: BooleanType,
      evaluate: (batch, ctx) =>
        withRegex(
          BooleanType,
          args[0].evaluate(batch, ctx),
          args[1],
          regex,
          batch,
          ctx,
          (s, re) => re.re.test(s),
          memo,
        ),
    }
  },
})

/** Spark's split of a non-empty string by an empty pattern: one element per character, the last taking the rest. */
const isLiteralPattern = (p: string): boolean => p !== '' && !/[\\^$.|?*+()[\]{}]/.test(p)

function splitChars(s: string, limit: number): string[] {
  const chars = Array.from(s)
  const n = limit > chars.length || limit <= 0 ? chars.length : limit
  const out = chars.slice(0, n - 1)
  out.push(chars.slice(n - 1).join(''))
  return out
}

registerFunction({
  kind: 'scalar',
  name: 'split',
  bind(args) {
    expectArity('split', args, 2, 3)
    expectString('split', args, 0)
    const regex = regexArg('split', args, 1)
    if (args[2]) expectIntegral('split', args, 2)
    const type = arrayOf(StringType)
    const limitArg = args[2]
    const constantLimit = limitArg ? limitArg.constant : { value: -1 }
    return {
      type,
      evaluate: (batch, ctx) => {
        // A pattern without regex metacharacters splits as String.prototype.split does
        // (leading and trailing empty strings kept, as Spark's limit -1), far faster than
        // running the regex per row.
        const literal = regex.constant && isLiteralPattern(regex.constant.pattern) ? regex.constant : null
        const split = (s: string, re: JavaRegex, limit: number): string[] =>
          re.pattern === '' && s !== ''
            ? splitChars(s, limit)
            : limit <= 0 && re === literal
              ? s.split(re.pattern)
              : javaSplit(s, re, limit)
        if (constantLimit) {
          const limit = constantLimit.value as number | null
          if (limit === null) return nullVector(type, batch.numRows)
          return withRegex(type, args[0].evaluate(batch, ctx), args[1], regex, batch, ctx, (s, re) =>
            split(s, re, limit),
          )
        }
        const strs = args[0].evaluate(batch, ctx)
        const pats = args[1].evaluate(batch, ctx)
        const limits = limitArg!.evaluate(batch, ctx)
        return map3<string, string, number>(type, strs, pats, limits, (s, p, l) =>
          split(s, regex.constant ?? regex.perRow(p), l),
        )
      },
    }
  },
})

/**
 * True when two occurrences of `d` can overlap (`'aa'` in `'aaa'`, `'aba'` in `'ababa'`).
 * Then the split points that Spark's left-to-right split finds are not all occurrences, and
 * a scan from the end would find other ones.
 */
function selfOverlaps(d: string): boolean {
  for (let p = 1; p < d.length; p++) if (d.startsWith(d.slice(p))) return true
  return false
}

/**
 * Part `k` (1-based; negative counts from the end; never 0) of `s` split by the non-empty
 * literal delimiter `d`, as Spark's split_part: '' when there is no such part. Found with
 * indexOf / lastIndexOf, without building the array of parts.
 */
export function splitPart(s: string, d: string, k: number, overlaps: boolean): string {
  const dl = d.length
  if (k > 0) {
    let start = 0
    for (let i = 1; i < k; i++) {
      const j = s.indexOf(d, start)
      if (j < 0) return ''
      start = j + dl
    }
    const end = s.indexOf(d, start)
    return end < 0 ? s.slice(start) : s.slice(start, end)
  }
  if (overlaps) {
    // Count the parts left to right, then take the part by its positive number.
    let parts = 1
    for (let j = s.indexOf(d); j >= 0; j = s.indexOf(d, j + dl)) parts++
    const pos = parts + k + 1
    return pos < 1 ? '' : splitPart(s, d, pos, false)
  }
  // Occurrences cannot overlap, so they are exactly the split points: walk back over them.
  let end = s.length
  for (let i = -1; i > k; i--) {
    const j = end - dl < 0 ? -1 : s.lastIndexOf(d, end - dl)
    if (j < 0) return ''
    end = j
  }
  const j = end - dl < 0 ? -1 : s.lastIndexOf(d, end - dl)
  return s.slice(j < 0 ? 0 : j + dl, end)
}

function partZeroError(): AnalysisError {
  return new AnalysisError(
    'INVALID_INDEX_OF_ZERO: split_part counts parts from 1 (and from -1 at the end); 0 is not a part number.',
    'INVALID_INDEX_OF_ZERO',
  )
}

/** split_part of one row; an empty delimiter does not split (part 1 and -1 are the whole string). */
function splitPartRow(s: string, d: string, k: number): string {
  if (k === 0) throw partZeroError()
  if (d === '') return k === 1 || k === -1 ? s : ''
  return splitPart(s, d, k, selfOverlaps(d))
}

registerFunction({
  kind: 'scalar',
  name: 'split_part',
  bind(args) {
    expectArity('split_part', args, 3)
    expectString('split_part', args, 0)
    expectString('split_part', args, 1)
    expectIntegral('split_part', args, 2)
    const [str, delim, part] = args
    if (part.constant?.value === 0) throw partZeroError()
    // Strings that repeat are split once: a part found again is the same string, not a new one.
    const memo = new StringMemo<string>(MEMO_CAPACITY, 0.5)
    const overlaps = typeof delim.constant?.value === 'string' && selfOverlaps(delim.constant.value)
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const n = batch.numRows
        if (!delim.constant || !part.constant) {
          return map3<string, string, number>(
            StringType,
            str.evaluate(batch, ctx),
            delim.evaluate(batch, ctx),
            part.evaluate(batch, ctx),
            splitPartRow,
          )
        }
        const d = delim.constant.value as string | null
        const k = part.constant.value as number | null
        if (d === null || k === null) return nullVector(StringType, n)
        const v = str.evaluate(batch, ctx)
        if (d === '') return map1<string>(StringType, v, (s) => (k === 1 || k === -1 ? s : ''))
        return mapStringsMemo(StringType, v, memo, (s) => splitPart(s, d, k, overlaps))
      },
    }
  },
})

function groupIndexError(fn: string, re: JavaRegex, idx: number): AnalysisError {
  return new AnalysisError(
    `INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX: ${fn} was asked for group ${idx}, but the regular expression '${re.pattern}' has ${re.groupCount} group(s). Use an index from 0 (the whole match) to ${re.groupCount}.`,
    'INVALID_PARAMETER_VALUE',
  )
}

registerFunction({
  kind: 'scalar',
  name: 'regexp_extract',
  bind(args) {
    expectArity('regexp_extract', args, 2, 3)
    expectString('regexp_extract', args, 0)
    const regex = regexArg('regexp_extract', args, 1)
    if (args[2]) expectIntegral('regexp_extract', args, 2)
    const idx = args[2] ? (requireConstant('regexp_extract', args, 2, 'the group index') as number | null) : 1
    if (idx !== null && idx < 0) {
      throw new AnalysisError(
        `INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX: regexp_extract got the group index ${idx}; it must not be negative.`,
        'INVALID_PARAMETER_VALUE',
      )
    }
    if (idx !== null && regex.constant && idx > regex.constant.groupCount)
      throw groupIndexError('regexp_extract', regex.constant, idx)
    // Strings that repeat are matched once (with a literal pattern, the answer depends on the string only).
    const memo = new StringMemo<unknown>()
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        if (idx === null) return nullVector(StringType, batch.numRows)
        return withRegex(
          StringType,
          args[0].evaluate(batch, ctx),
          args[1],
          regex,
          batch,
          ctx,
          (s, re) => {
            if (idx > re.groupCount) throw groupIndexError('regexp_extract', re, idx)
            // No match, or a group that took no part in it, gives '' as in Spark.
            const m = re.re.exec(s)
            return m ? (m[idx] ?? '') : ''
          },
          memo,
        )
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'regexp_replace',
  bind(args) {
    expectArity('regexp_replace', args, 3, 4)
    expectString('regexp_replace', args, 0)
    const regex = regexArg('regexp_replace', args, 1)
    expectString('regexp_replace', args, 2)
    if (args[3]) expectIntegral('regexp_replace', args, 3)
    const repArg = args[2]
    const position = args[3]
      ? (requireConstant('regexp_replace', args, 3, 'the position') as number | null)
      : 1
    if (position !== null && position < 1) {
      throw new AnalysisError(
        `INVALID_PARAMETER_VALUE: the position of regexp_replace must be at least 1, but it is ${position}.`,
        'INVALID_PARAMETER_VALUE',
      )
    }
    const repCache = new SmallCache<Replacement>(64)
    // With a literal pattern and replacement, strings that repeat are replaced once.
    const memo = new StringMemo<string>()
    const constantRep =
      repArg.constant && regex.constant
        ? repArg.constant.value === null
          ? null
          : compileReplacement(repArg.constant.value as string, regex.constant, 'regexp_replace')
        : undefined
    const replace = (s: string, re: JavaRegex, rep: Replacement): string => {
      if (position === 1) return javaReplaceAll(s, re, rep)
      const chars = Array.from(s)
      if (position! > chars.length) return s
      return (
        chars.slice(0, position! - 1).join('') + javaReplaceAll(chars.slice(position! - 1).join(''), re, rep)
      )
    }
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        if (position === null || constantRep === null || regex.constant === null)
          return nullVector(StringType, batch.numRows)
        const strs = args[0].evaluate(batch, ctx)
        if (constantRep) {
          const re = regex.constant!
          return mapStringsMemo(StringType, strs, memo, (s) => replace(s, re, constantRep))
        }
        const pats = args[1].evaluate(batch, ctx)
        const reps = repArg.evaluate(batch, ctx)
        return map3<string, string, string>(StringType, strs, pats, reps, (s, p, r) => {
          const re = regex.constant ?? regex.perRow(p)
          const rep = repCache.get(`${re.pattern}\u0000${r}`, () =>
            compileReplacement(r, re, 'regexp_replace'),
          )
          return replace(s, re, rep)
        })
      },
    }
  },
})

/** A character as a literal in a `u`-flag RegExp, where only syntax characters may be escaped. */
const quoteRegex = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')

/** A LIKE pattern as a matcher: plain comparisons for the common shapes, a regex otherwise. */
function compileLike(pattern: string, escapeChar: string): (s: string) => boolean {
  let body = ''
  let plain = ''
  let onlyPlain = true
  const shape: ('lit' | '%')[] = []
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    if (c === escapeChar) {
      if (i + 1 >= chars.length)
        throw likeError(pattern, 'it is not allowed to end with the escape character')
      const next = chars[++i]
      if (next !== '_' && next !== '%' && next !== escapeChar)
        throw likeError(pattern, `the escape character is not allowed to precede '${next}'`)
      body += quoteRegex(next)
      plain += next
      if (shape[shape.length - 1] !== 'lit') shape.push('lit')
    } else if (c === '_') {
      body += '.'
      onlyPlain = false
    } else if (c === '%') {
      body += '.*'
      if (shape[shape.length - 1] !== '%') shape.push('%')
    } else {
      body += quoteRegex(c)
      plain += c
      if (shape[shape.length - 1] !== 'lit') shape.push('lit')
    }
  }
  if (onlyPlain) {
    const key = shape.join(',')
    if (key === '' || key === 'lit') return (s) => s === plain
    if (key === '%') return () => true
    if (key === 'lit,%') return (s) => s.startsWith(plain)
    if (key === '%,lit') return (s) => s.endsWith(plain)
    if (key === '%,lit,%') return (s) => s.includes(plain)
  }
  const re = new RegExp(`^(?:${body})$`, 'su')
  return (s) => re.test(s)
}

function likeError(pattern: string, why: string): AnalysisError {
  return new AnalysisError(
    `INVALID_PARAMETER_VALUE.PATTERN: the LIKE pattern '${pattern}' is invalid: ${why}. Write a literal backslash as \\\\.`,
    'INVALID_PARAMETER_VALUE',
  )
}

registerFunction({
  kind: 'scalar',
  name: 'like',
  bind(args) {
    expectArity('like', args, 2, 3)
    expectString('like', args, 0)
    expectString('like', args, 1)
    let escapeChar = '\\'
    if (args[2]) {
      expectString('like', args, 2)
      const e = requireConstant('like', args, 2, 'the escape character') as string | null
      if (e === null || Array.from(e).length !== 1) {
        throw new AnalysisError(
          `INVALID_PARAMETER_VALUE: the escape character of like must be a single character, but it is ${e === null ? 'null' : `'${e}'`}.`,
          'INVALID_PARAMETER_VALUE',
        )
      }
      escapeChar = e
    }
    const pat = args[1]
    const constant = pat.constant
      ? pat.constant.value === null
        ? null
        : compileLike(pat.constant.value as string, escapeChar)
      : undefined
    const cache = new SmallCache<(s: string) => boolean>(64)
    return {
      type: BooleanType,
      evaluate: (batch, ctx) => {
        if (constant === null) return nullVector(BooleanType, batch.numRows)
        const strs = args[0].evaluate(batch, ctx)
        if (constant) return map1<string>(BooleanType, strs, constant)
        return map2<string, string>(BooleanType, strs, pat.evaluate(batch, ctx), (s, p) =>
          cache.get(p, () => compileLike(p, escapeChar))(s),
        )
      },
    }
  },
})

function stringPredicate(name: string, f: (s: string, t: string) => boolean): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 2)
      expectString(name, args, 0)
      expectString(name, args, 1)
      const [a, b] = args
      return {
        type: BooleanType,
        evaluate: (batch, ctx) => {
          const x = a.evaluate(batch, ctx)
          if (b.constant) {
            const t = b.constant.value as string | null
            if (t === null) return nullVector(BooleanType, batch.numRows)
            return map1<string>(BooleanType, x, (s) => f(s, t))
          }
          return map2<string, string>(BooleanType, x, b.evaluate(batch, ctx), f)
        },
      }
    },
  })
}
stringPredicate('startswith', (s, t) => s.startsWith(t))
stringPredicate('endswith', (s, t) => s.endsWith(t))
stringPredicate('contains', (s, t) => s.includes(t))

/** Spark's lpad/rpad: a length at or below the string's cuts it; an empty pad never pads. */
function pad(s: string, len: number, p: string, left: boolean): string {
  const chars = SURROGATE.test(s) ? Array.from(s) : null
  const n = chars ? chars.length : s.length
  const spaces = len - n
  if (spaces <= 0 || p === '') return len <= 0 ? '' : chars ? chars.slice(0, len).join('') : s.slice(0, len)
  const padChars = Array.from(p)
  const count = Math.floor(spaces / padChars.length)
  const padding = p.repeat(count) + padChars.slice(0, spaces - padChars.length * count).join('')
  return left ? padding + s : s + padding
}

function padFunction(name: string, left: boolean): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 2, 3)
      expectString(name, args, 0)
      expectIntegral(name, args, 1)
      if (args[2]) expectString(name, args, 2)
      const [a, len, padArg] = args
      return {
        type: StringType,
        evaluate: (batch, ctx) => {
          const strs = a.evaluate(batch, ctx)
          if (len.constant && (!padArg || padArg.constant)) {
            const l = len.constant.value as number | null
            const p = padArg ? (padArg.constant!.value as string | null) : ' '
            if (l === null || p === null) return nullVector(StringType, batch.numRows)
            return map1<string>(StringType, strs, (s) => pad(s, l, p, left))
          }
          const pads = padArg ? padArg.evaluate(batch, ctx) : null
          const lens = len.evaluate(batch, ctx)
          return pads
            ? map3<string, number, string>(StringType, strs, lens, pads, (s, l, p) => pad(s, l, p, left))
            : map2<string, number>(StringType, strs, lens, (s, l) => pad(s, l, ' ', left))
        },
      }
    },
  })
}
padFunction('lpad', true)
padFunction('rpad', false)

registerFunction({
  kind: 'scalar',
  name: 'format_string',
  bind(args) {
    expectArity('format_string', args, 1, Number.POSITIVE_INFINITY)
    expectString('format_string', args, 0)
    const [fmt, ...rest] = args
    const types = rest.map((a) => a.type)
    const constant = fmt.constant
      ? fmt.constant.value === null
        ? null
        : compileJavaFormat(
            fmt.constant.value as string,
            types,
            rest.map((a) => a.name),
          )
      : undefined
    const cache = new SmallCache<ReturnType<typeof compileJavaFormat>>(64)
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const n = batch.numRows
        if (constant === null || anyNullType([fmt])) return nullVector(StringType, n)
        const fmts = constant ? null : fmt.evaluate(batch, ctx)
        const vecs = rest.map((a) => a.evaluate(batch, ctx))
        const out = new Array<string | null>(n)
        const values = new Array<unknown>(vecs.length)
        const zone = sessionZone(ctx.timeZone)
        for (let i = 0; i < n; i++) {
          let compiled = constant
          if (!compiled) {
            const f = valueAt(fmts!, i) as string | null
            if (f === null) {
              out[i] = null
              continue
            }
            compiled = cache.get(f, () =>
              compileJavaFormat(
                f,
                types,
                rest.map((a) => a.name),
              ),
            )
          }
          for (let j = 0; j < vecs.length; j++) values[j] = valueAt(vecs[j], i)
          out[i] = formatJava(compiled, values, zone)
        }
        return objectVector(StringType, out)
      },
    }
  },
})
