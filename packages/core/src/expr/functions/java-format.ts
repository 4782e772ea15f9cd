/**
 * format_string's formatter: the part of java.util.Formatter that Spark users rely on —
 * %s %S %d %x %X %o %f %e %E %b %c %% %n, argument indexes (`%2$s`), flags `-+ 0,(#`,
 * width and precision. The format is parsed once; a conversion that does not fit its
 * argument's type is an AnalysisError at analysis, where Java would fail at run time.
 */
import { type DataType, isIntegral, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { decimalDigits, fixedString, javaDoubleString, javaFloatString, roundDigits } from './common.js'
import { compileDateTimePattern } from './datetime-pattern.js'
import { tryZone, type Zone } from './zones.js'

interface Spec {
  readonly arg: number
  readonly flags: string
  readonly width: number
  readonly precision: number | null
  readonly conv: string
  /** The argument's type, to print it as Java would. */
  readonly type: DataType
}

export type JavaFormat = readonly (string | Spec)[]

const SPEC = /%(?:(\d+)\$)?([-#+ 0,(]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g

function formatError(format: string, why: string): AnalysisError {
  return new AnalysisError(
    `DATATYPE_MISMATCH: format_string cannot use the format '${format}': ${why}.`,
    'DATATYPE_MISMATCH',
  )
}

export function compileJavaFormat(
  format: string,
  types: readonly DataType[],
  names: readonly string[],
): JavaFormat {
  const parts: (string | Spec)[] = []
  let last = 0
  let ordinary = 0
  for (const m of format.matchAll(SPEC)) {
    if (m.index > last) parts.push(format.slice(last, m.index))
    last = m.index + m[0].length
    const [, index, flags = '', width, precision, conv] = m
    if (conv === '%') {
      parts.push('%'.padStart(width ? Number(width) : 1, ' '))
      continue
    }
    if (conv === 'n') {
      parts.push('\n')
      continue
    }
    if (!'sSdxXofeEbBc'.includes(conv)) throw formatError(format, `the conversion %${conv} is not supported`)
    const arg = index ? Number(index) - 1 : ordinary++
    if (arg < 0 || arg >= types.length)
      throw formatError(format, `${m[0]} needs argument ${arg + 1}, but only ${types.length} were given`)
    const type = types[arg]
    const isFloat = type.kind === 'double' || type.kind === 'float'
    if ('dxXo'.includes(conv) && !isIntegral(type) && type.kind !== 'null')
      throw formatError(
        format,
        `${m[0]} needs an integer, but ${names[arg]} is ${typeToString(type)} (cast it with .cast('long'), or use %f)`,
      )
    if ('feE'.includes(conv) && !isFloat && type.kind !== 'null')
      throw formatError(
        format,
        `${m[0]} needs a floating-point number, but ${names[arg]} is ${typeToString(type)} (cast it with .cast('double'), or use %d)`,
      )
    if (conv === 'c' && !isIntegral(type) && type.kind !== 'string' && type.kind !== 'null')
      throw formatError(
        format,
        `%c needs a character code or a one-character string, but ${names[arg]} is ${typeToString(type)}`,
      )
    parts.push({
      arg,
      flags,
      width: width ? Number(width) : 0,
      precision: precision === undefined ? null : Number(precision),
      conv,
      type,
    })
  }
  if (last < format.length) {
    const tail = format.slice(last)
    if (tail.includes('%')) throw formatError(format, `'${tail}' has an incomplete format specifier`)
    parts.push(tail)
  }
  return parts
}

function group(intDigits: string): string {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Sign, zero padding and parentheses for a number whose magnitude is already text. */
function signed(spec: Spec, negative: boolean, magnitude: string): string {
  const f = spec.flags
  let body = f.includes(',') ? magnitude.replace(/^\d+/, (d) => group(d)) : magnitude
  let prefix = negative ? (f.includes('(') ? '(' : '-') : f.includes('+') ? '+' : f.includes(' ') ? ' ' : ''
  const suffix = negative && f.includes('(') ? ')' : ''
  if (f.includes('0') && spec.width > 0) {
    const room = spec.width - prefix.length - suffix.length
    if (body.length < room) body = '0'.repeat(room - body.length) + body
  }
  prefix += body
  return prefix + suffix
}

// How Spark casts a timestamp or date to a string.
const SECONDS = compileDateTimePattern('yyyy-MM-dd HH:mm:ss', 'format_string', false)
const MILLIS = compileDateTimePattern('yyyy-MM-dd HH:mm:ss.SSS', 'format_string', false)
const DATE = compileDateTimePattern('yyyy-MM-dd', 'format_string', false)
const UTC = tryZone('UTC') as Zone

function valueText(type: DataType, v: unknown, zone: Zone): string {
  switch (type.kind) {
    case 'double':
      return javaDoubleString(v as number)
    case 'float':
      return javaFloatString(v as number)
    case 'timestamp': {
      const ms = v as number
      return (ms % 1000 === 0 ? SECONDS : MILLIS).format(ms, zone)
    }
    case 'date':
      return DATE.format(v as number, UTC)
    case 'binary':
      return new TextDecoder().decode(v as Uint8Array)
    case 'array':
    case 'struct':
    case 'map':
      return JSON.stringify(v)
    default:
      return String(v)
  }
}

function scientific(abs: number, precision: number, upper: boolean): string {
  if (abs === 0) return `${precision > 0 ? `0.${'0'.repeat(precision)}` : '0'}${upper ? 'E' : 'e'}+00`
  let d = decimalDigits(abs)
  // Keep precision + 1 significant digits, rounding HALF_UP as Java does.
  d = roundDigits(d, precision + 1 - d.point, 'HALF_UP')
  const digits = (d.digits + '0'.repeat(precision + 1)).slice(0, precision + 1)
  const exp = d.point - 1
  const mantissa = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits[0]
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  return `${mantissa}${upper ? 'E' : 'e'}${e}`
}

function formatOne(spec: Spec, v: unknown, zone: Zone): string {
  const { conv } = spec
  let text: string
  if (v === null && conv !== 'b' && conv !== 'B') text = 'null'
  else
    switch (conv) {
      case 's':
      case 'S': {
        text = valueText(spec.type, v, zone)
        if (spec.precision !== null) text = Array.from(text).slice(0, spec.precision).join('')
        break
      }
      case 'b':
      case 'B':
        text = v === null ? 'false' : typeof v === 'boolean' ? String(v) : 'true'
        break
      case 'c':
        text = typeof v === 'string' ? (Array.from(v)[0] ?? '') : String.fromCodePoint(v as number)
        break
      case 'd': {
        const x = v as number
        text = signed(spec, x < 0, String(Math.abs(x)))
        break
      }
      case 'x':
      case 'X':
      case 'o': {
        const x = v as number
        const radix = conv === 'o' ? 8 : 16
        // Java prints negative numbers in two's complement of the argument's width.
        const digits =
          x >= 0
            ? x.toString(radix)
            : spec.type.kind === 'int'
              ? (x >>> 0).toString(radix)
              : BigInt.asUintN(64, BigInt(x)).toString(radix)
        const prefix = spec.flags.includes('#') ? (conv === 'o' ? '0' : '0x') : ''
        let body = prefix + digits
        if (spec.flags.includes('0') && body.length < spec.width)
          body = prefix + '0'.repeat(spec.width - body.length) + digits
        text = conv === 'X' ? body.toUpperCase() : body
        break
      }
      default: {
        const x = v as number
        if (Number.isNaN(x)) text = 'NaN'
        else if (!Number.isFinite(x))
          text = signed({ ...spec, flags: spec.flags.replace('0', '') }, x < 0, 'Infinity')
        else {
          const p = spec.precision ?? 6
          const abs = Math.abs(x)
          const magnitude = conv === 'f' ? fixedString(abs, p) : scientific(abs, p, conv === 'E')
          text = signed(spec, x < 0 || Object.is(x, -0), magnitude)
        }
      }
    }
  if (conv === 'S' || conv === 'B') text = text.toUpperCase()
  if (spec.width > text.length) {
    const fill = ' '.repeat(spec.width - text.length)
    text = spec.flags.includes('-') ? text + fill : fill + text
  }
  return text
}

/** Formats one row's engine values. */
export function formatJava(format: JavaFormat, values: readonly unknown[], zone: Zone): string {
  let out = ''
  for (const p of format) out += typeof p === 'string' ? p : formatOne(p, values[p.arg], zone)
  return out
}
