/**
 * Schema-directed CSV: a line without quotes scanned once, field by field, straight into the
 * record's values: integers and decimals parsed in place into the unboxed scratch, strings
 * sliced once, timestamps parsed from their text; no array of fields per line.
 *
 * It takes only what it reads exactly as the general path would (csv-values.ts): a line with
 * the schema's number of fields, each one null or of a form read the same way here. Anything
 * else (a quote, a field count that differs, `NaN`, an exponent, spaces around a number, a
 * value that does not fit) gives the line up to the general path, so that results, errors
 * and dead letters stay the same.
 */
import type { DataType } from '../../types/data-types.js'
import type { ScanTarget } from './json-scan.js'
import type { TextToMillis } from './temporal.js'

enum Slot {
  String = 0,
  Double = 1,
  Long = 2,
  Int = 3,
  Boolean = 4,
  Timestamp = 5,
  Date = 6,
  Null = 7,
  /** A column the query does not read (column pruning): the field is passed over. */
  Skip = 8,
}

function slotOf(type: DataType): Slot {
  switch (type.kind) {
    case 'double':
    case 'float':
      return Slot.Double
    case 'long':
      return Slot.Long
    case 'int':
      return Slot.Int
    case 'boolean':
      return Slot.Boolean
    case 'timestamp':
      return Slot.Timestamp
    case 'date':
      return Slot.Date
    case 'null':
      return Slot.Null
    default:
      return Slot.String
  }
}

const C0 = 48
const C9 = 57
const PLUS = 43
const MINUS = 45
const DOT = 46
const EXACT_DIGITS = 15

export interface CsvScanSettings {
  readonly delimiter: number
  readonly nullValue: string
  readonly parseTimestamp: TextToMillis
  readonly parseDate: TextToMillis
}

export class CsvLineScanner {
  private readonly slots: Slot[]
  private readonly targets: number[]
  private readonly nullIsEmpty: boolean
  private readonly delimiterText: string

  constructor(
    columns: readonly { readonly index: number; readonly type: DataType; readonly skip?: boolean }[],
    private readonly settings: CsvScanSettings,
  ) {
    this.slots = columns.map((c) => (c.skip ? Slot.Skip : slotOf(c.type)))
    this.targets = columns.map((c) => c.index)
    this.nullIsEmpty = settings.nullValue === ''
    this.delimiterText = String.fromCharCode(settings.delimiter)
  }

  /** Reads the line [start, end) (known to hold no quote) into `out`; false to give it up. */
  scan(text: string, start: number, end: number, out: ScanTarget): boolean {
    const slots = this.slots
    const width = slots.length
    const delimiter = this.delimiterText
    let a = start
    for (let c = 0; c < width; c++) {
      let b = text.indexOf(delimiter, a)
      if (b < 0 || b > end) b = end
      // Too few fields (the last one ended the line early), or too many (one is left).
      if (c < width - 1 ? b >= end : b < end) return false
      if (!this.field(text, a, b, slots[c], this.targets[c], out)) return false
      a = b + 1
    }
    return true
  }

  private field(text: string, a: number, b: number, slot: Slot, target: number, out: ScanTarget): boolean {
    if (slot === Slot.Skip) return true
    if (a === b ? this.nullIsEmpty : this.isNullValue(text, a, b)) return true
    switch (slot) {
      case Slot.String:
        out.values[target] = text.slice(a, b)
        return true
      case Slot.Long:
      case Slot.Int: {
        const v = integer(text, a, b)
        if (Number.isNaN(v)) return false
        if (slot === Slot.Int && (v < -2147483648 || v > 2147483647)) return false
        out.numbers[target] = v
        out.numberSet[target] = 1
        return true
      }
      case Slot.Double: {
        if (!isPlainDecimal(text, a, b)) return false
        out.numbers[target] = Number(text.slice(a, b))
        out.numberSet[target] = 1
        return true
      }
      case Slot.Timestamp:
      case Slot.Date: {
        const parse = slot === Slot.Timestamp ? this.settings.parseTimestamp : this.settings.parseDate
        const ms = parse(text.slice(a, b))
        if (ms === null) return false
        out.numbers[target] = ms
        out.numberSet[target] = 1
        return true
      }
      case Slot.Boolean: {
        const t = text.slice(a, b)
        if (t === 'true' || t === 'false') {
          out.values[target] = t === 'true'
          return true
        }
        return false
      }
      case Slot.Null:
        return true
    }
  }

  private isNullValue(text: string, a: number, b: number): boolean {
    const nv = this.settings.nullValue
    return nv.length === b - a && text.startsWith(nv, a)
  }
}

/** `[+-]digits` of up to 15 digits, exactly; NaN for anything else (left to the general path). */
function integer(text: string, a: number, b: number): number {
  let i = a
  const sign = text.charCodeAt(i)
  if (sign === PLUS || sign === MINUS) i++
  if (i === b || b - i > EXACT_DIGITS) return Number.NaN
  let v = 0
  for (; i < b; i++) {
    const c = text.charCodeAt(i)
    if (c < C0 || c > C9) return Number.NaN
    v = v * 10 + (c - C0)
  }
  return sign === MINUS ? -v : v
}

/** `[+-]digits[.digits]` or `[+-].digits`: what Number() reads as csv-values' DECIMAL does. */
function isPlainDecimal(text: string, a: number, b: number): boolean {
  let i = a
  const sign = text.charCodeAt(i)
  if (sign === PLUS || sign === MINUS) i++
  let digits = 0
  let dots = 0
  for (; i < b; i++) {
    const c = text.charCodeAt(i)
    if (c >= C0 && c <= C9) digits++
    else if (c === DOT && dots === 0) dots++
    else return false
  }
  return digits > 0
}
