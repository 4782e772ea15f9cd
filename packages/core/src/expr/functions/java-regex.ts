/**
 * Spark's regular expressions are Java's. This translates a Java pattern into an
 * equivalent JavaScript RegExp (always with the `u` flag, so that `.` and character
 * classes see code points as Java does), and refuses the Java features JavaScript cannot
 * express (possessive quantifiers, atomic groups, class intersection, mid-pattern flags)
 * instead of silently matching something else. The translation is a RegExp source, never
 * JavaScript code.
 */
import { AnalysisError } from '../../util/errors.js'
import { SmallCache } from './common.js'

export interface JavaRegex {
  /** The pattern as the user wrote it. */
  readonly pattern: string
  /** Non-global: for test() and the first match. */
  readonly re: RegExp
  /** Global: for replace and split; callers reset lastIndex. */
  readonly global: RegExp
  readonly groupCount: number
  readonly groupNames: readonly string[]
}

class Unsupported extends Error {}

const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''))

/** Java's POSIX classes, which are ASCII-only unless UNICODE_CHARACTER_CLASS is set. */
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
}

const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r'
const HORIZONTAL = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000'
const VERTICAL = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029'
const LINE_END = '(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])'

function escapeLiteral(ch: string, inClass: boolean): string {
  if (SYNTAX.has(ch) || (inClass && ch === '-')) return `\\${ch}`
  return ch
}

function unicodeProperty(name: string): string {
  const valid = (body: string): boolean => {
    try {
      new RegExp(`\\p{${body}}`, 'u')
      return true
    } catch {
      return false
    }
  }
  if (name.startsWith('Is')) {
    const rest = name.slice(2)
    for (const body of [rest, `Script=${rest}`, `General_Category=${rest}`]) if (valid(body)) return body
    throw new Unsupported(`the Unicode property \\p{${name}}`)
  }
  if (name.startsWith('In')) throw new Unsupported(`Unicode blocks (\\p{${name}})`)
  if (name === 'javaLowerCase') return 'Lowercase'
  if (name === 'javaUpperCase') return 'Uppercase'
  if (name === 'javaWhitespace') return 'White_Space'
  if (valid(name)) return name
  throw new SyntaxError(`unknown character property \\p{${name}}`)
}

function translate(pattern: string): { source: string; flags: string } {
  let flags = 'u'
  let i = 0
  const lead = /^\(\?([a-zA-Z-]+)\)/.exec(pattern)
  if (lead) {
    let on = true
    const set = new Set<string>()
    for (const f of lead[1]) {
      if (f === '-') on = false
      else if ('ism'.includes(f)) {
        if (on) set.add(f)
        else set.delete(f)
      } else if (f !== 'u' && f !== 'U' && f !== 'd') throw new Unsupported(`the inline flag (?${f})`)
    }
    flags += [...set].join('')
    i = lead[0].length
  }
  const multiline = flags.includes('m')
  const n = pattern.length
  let out = ''
  let inClass = false
  let classStart = false
  // The previous token was a quantifier: a following `+` would make it possessive.
  let afterQuantifier = false

  const readEscape = (): void => {
    if (i + 1 >= n) throw new SyntaxError('the pattern ends with a backslash')
    const cp = pattern.codePointAt(i + 1)!
    const ch = String.fromCodePoint(cp)
    i += 1 + ch.length
    if (!/[a-zA-Z0-9]/.test(ch)) {
      out += escapeLiteral(ch, inClass)
      return
    }
    switch (ch) {
      case 'Q': {
        const end = pattern.indexOf('\\E', i)
        const quoted = end < 0 ? pattern.slice(i) : pattern.slice(i, end)
        for (const c of quoted) out += escapeLiteral(c, inClass)
        i = end < 0 ? n : end + 2
        return
      }
      case 'E':
        return
      case 'A':
      case 'z':
      case 'Z':
      case 'R':
        if (inClass) throw new SyntaxError(`\\${ch} cannot be used in a character class`)
        out +=
          ch === 'A'
            ? '(?<![\\s\\S])'
            : ch === 'z'
              ? '(?![\\s\\S])'
              : ch === 'Z'
                ? `(?=${LINE_END}?(?![\\s\\S]))`
                : '(?:\\r\\n|[\\n\\x0B\\f\\r\\u0085\\u2028\\u2029])'
        return
      case 'G':
      case 'X':
      case 'N':
        throw new Unsupported(`\\${ch}`)
      case 's':
        out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`
        return
      case 'S':
        out += inClass ? '\\S' : `[^${JAVA_SPACE}]`
        return
      case 'h':
      case 'v':
        out += inClass ? (ch === 'h' ? HORIZONTAL : VERTICAL) : `[${ch === 'h' ? HORIZONTAL : VERTICAL}]`
        return
      case 'H':
      case 'V':
        if (inClass) throw new Unsupported(`\\${ch} inside a character class`)
        out += `[^${ch === 'H' ? HORIZONTAL : VERTICAL}]`
        return
      case 'e':
        out += '\\x1B'
        return
      case 'a':
        out += '\\x07'
        return
      case '0': {
        const m = /^[0-7]{1,3}/.exec(pattern.slice(i))
        if (!m) throw new SyntaxError('illegal octal escape sequence')
        let digits = m[0]
        if (digits.length === 3 && digits[0] > '3') digits = digits.slice(0, 2)
        i += digits.length
        out += `\\u{${Number.parseInt(digits, 8).toString(16)}}`
        return
      }
      case 'x': {
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i)
          if (end < 0) throw new SyntaxError('unclosed hexadecimal escape sequence')
          out += `\\u{${pattern.slice(i + 1, end)}}`
          i = end + 1
        } else out += '\\x'
        return
      }
      case 'p':
      case 'P': {
        let name: string
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i)
          if (end < 0) throw new SyntaxError('unclosed character property')
          name = pattern.slice(i + 1, end)
          i = end + 1
        } else {
          name = pattern[i] ?? ''
          i++
        }
        const posix = POSIX[name] ?? (name.startsWith('Is') ? POSIX[name.slice(2)] : undefined)
        if (posix !== undefined) {
          if (inClass) {
            if (ch === 'P') throw new Unsupported(`\\P{${name}} inside a character class`)
            out += posix
          } else out += ch === 'P' ? `[^${posix}]` : `[${posix}]`
          return
        }
        out += `\\${ch}{${unicodeProperty(name)}}`
        return
      }
      default:
        if (/[0-9bBdDwWtnrfcuk]/.test(ch)) {
          out += `\\${ch}`
          return
        }
        throw new SyntaxError(`illegal escape sequence \\${ch}`)
    }
  }

  while (i < n) {
    const c = pattern[i]
    if (c === '\\') {
      readEscape()
      afterQuantifier = false
      classStart = false
      continue
    }
    if (inClass) {
      if (c === '[') throw new Unsupported('nested character classes (union)')
      if (c === '&' && pattern[i + 1] === '&') throw new Unsupported('character class intersection (&&)')
      if (c === ']' && !classStart) inClass = false
      out += c
      classStart = false
      i++
      continue
    }
    if (c === '[') {
      inClass = true
      out += '['
      i++
      if (pattern[i] === '^') {
        out += '^'
        i++
      }
      classStart = true
      afterQuantifier = false
      continue
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2)
      if (/^(?:[:=!]|<[=!]|<[a-zA-Z])/.test(rest)) {
        out += '(?'
        i += 2
      } else if (rest.startsWith('>')) throw new Unsupported('atomic groups (?>...)')
      else throw new Unsupported('inline flags other than at the start of the pattern')
      afterQuantifier = false
      continue
    }
    if (c === '*' || c === '+' || c === '?') {
      if (afterQuantifier) {
        if (c === '+') throw new Unsupported('possessive quantifiers (*+, ++, ?+)')
        if (c === '?') {
          out += '?'
          i++
          afterQuantifier = false
          continue
        }
      }
      out += c
      i++
      afterQuantifier = true
      continue
    }
    if (c === '{') {
      const m = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i))
      if (!m) throw new SyntaxError(`illegal repetition near index ${i}`)
      out += m[0]
      i += m[0].length
      afterQuantifier = true
      continue
    }
    afterQuantifier = false
    if (c === '}' || c === ']') out += `\\${c}`
    else if (c === '$' && !multiline) out += `(?=${LINE_END}?(?![\\s\\S]))`
    else out += c
    i++
  }
  if (inClass) throw new SyntaxError('unclosed character class')
  return { source: out, flags }
}

/**
 * Compiles a Java regular expression for `fn`; a syntax error or a Java feature with no
 * JavaScript equivalent is an AnalysisError naming the pattern.
 */
export function compileJavaRegex(pattern: string, fn: string): JavaRegex {
  let re: RegExp
  let global: RegExp
  let groupCount: number
  try {
    const { source, flags } = translate(pattern)
    re = new RegExp(source, flags)
    global = new RegExp(source, `${flags}g`)
    groupCount = (new RegExp(`${source}|`, flags).exec('') as RegExpExecArray).length - 1
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e)
    if (e instanceof Unsupported) {
      throw new AnalysisError(
        `INVALID_PARAMETER_VALUE.PATTERN: ${fn} cannot use the regular expression '${pattern}': ${reason} are not supported in JavaScript. Rewrite the pattern without them.`,
        'INVALID_PARAMETER_VALUE',
      )
    }
    throw new AnalysisError(
      `INVALID_PARAMETER_VALUE.PATTERN: ${fn} got an invalid regular expression '${pattern}': ${reason}. Fix the pattern (it uses Java syntax, as in Spark).`,
      'INVALID_PARAMETER_VALUE',
    )
  }
  const groupNames = [...pattern.matchAll(/\(\?<([a-zA-Z][a-zA-Z0-9]*)>/g)].map((m) => m[1])
  return { pattern, re, global, groupCount, groupNames }
}

/** Per-row compilation for patterns that come from a column, remembering the recent ones. */
export function regexCache(fn: string): (pattern: string) => JavaRegex {
  const cache = new SmallCache<JavaRegex>(64)
  return (pattern) => cache.get(pattern, (p) => compileJavaRegex(p, fn))
}

/**
 * Java's String.split(regex, limit) with Spark's twist that limit 0 behaves like -1
 * (trailing empty strings are kept). A zero-width match at the start never yields a
 * leading empty string, as in Java 8+.
 */
export function javaSplit(input: string, regex: JavaRegex, limit: number): string[] {
  const lim = limit === 0 ? -1 : limit
  const re = regex.global
  re.lastIndex = 0
  const out: string[] = []
  let index = 0
  for (;;) {
    const m = re.exec(input)
    if (m === null) break
    const start = m.index
    const end = start + m[0].length
    if (end === start) {
      // Step over an empty match by one code point, as Java's Matcher does.
      const cp = input.codePointAt(start)
      re.lastIndex = start + (cp !== undefined && cp > 0xffff ? 2 : 1)
    }
    if (lim <= 0 || out.length < lim - 1) {
      if (index === 0 && start === 0 && end === 0) continue
      out.push(input.slice(index, start))
      index = end
    } else {
      out.push(input.slice(index))
      index = end
      break
    }
  }
  if (index === 0) return [input]
  if (lim <= 0 || out.length < lim) out.push(input.slice(index))
  return out
}

/** A Java replacement string (`$1`, `${name}`, `\\$`) compiled once: literal text, group numbers, group names. */
export type Replacement = readonly (string | number | { readonly name: string })[]

export function compileReplacement(rep: string, regex: JavaRegex, fn: string): Replacement {
  const parts: (string | number | { name: string })[] = []
  let lit = ''
  const fail = (why: string): never => {
    throw new AnalysisError(
      `INVALID_PARAMETER_VALUE: ${fn} got the replacement '${rep}', which ${why}. Escape a literal $ or \\ with a backslash.`,
      'INVALID_PARAMETER_VALUE',
    )
  }
  const flush = (): void => {
    if (lit) parts.push(lit)
    lit = ''
  }
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i]
    if (c === '\\') {
      if (i + 1 >= rep.length) fail('ends with a backslash')
      lit += rep[++i]
    } else if (c === '$') {
      if (i + 1 >= rep.length) fail('ends with $')
      if (rep[i + 1] === '{') {
        const end = rep.indexOf('}', i)
        if (end < 0) fail('has an unclosed group name reference')
        const name = rep.slice(i + 2, end)
        if (!regex.groupNames.includes(name)) fail(`names a group '${name}' the pattern does not have`)
        flush()
        parts.push({ name })
        i = end
      } else {
        let j = i + 1
        if (!/[0-9]/.test(rep[j])) fail(`has an illegal group reference at index ${i}`)
        // Java reads more digits only while they still name an existing group.
        let g = rep.charCodeAt(j) - 48
        j++
        while (j < rep.length && /[0-9]/.test(rep[j])) {
          const next = g * 10 + (rep.charCodeAt(j) - 48)
          if (next > regex.groupCount) break
          g = next
          j++
        }
        if (g > regex.groupCount) fail(`refers to group ${g} but the pattern has ${regex.groupCount}`)
        flush()
        parts.push(g)
        i = j - 1
      }
    } else lit += c
  }
  flush()
  return parts
}

/** Replaces every match of `regex` in `input` as Java's replaceAll does. */
export function javaReplaceAll(input: string, regex: JavaRegex, rep: Replacement): string {
  if (rep.every((p) => typeof p === 'string')) {
    const text = rep.join('')
    return input.replace(regex.global, () => text)
  }
  return input.replace(regex.global, (...m: unknown[]) => {
    let s = ''
    const last = m[m.length - 1]
    const groups =
      typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : {}
    for (const p of rep) {
      if (typeof p === 'string') s += p
      else if (typeof p === 'number') s += (m[p] as string | undefined) ?? ''
      else s += groups[p.name] ?? ''
    }
    return s
  })
}
