/**
 * Schema-directed JSON Lines: each line scanned once, straight into the record's values,
 * with no JSON.parse and no object per record. Keys are matched against the schema's names
 * in place (no key string is made), numbers go into the unboxed scratch, strings are sliced
 * once, timestamps parsed from their text, fields the schema does not name skipped.
 *
 * The scanner takes only what it can read exactly as the general path would: a flat object
 * whose values fit their columns. Anything else (escapes in a string the query keeps,
 * nested values in a column, a number in a timestamp field, a value that does not fit,
 * text that is not JSON) gives the line up, and the caller reads it with JSON.parse, so
 * that results, errors and dead letters stay those of the general path.
 */
import type { DataType } from '../../types/data-types.js'
import type { TextToMillis } from './temporal.js'

/** How the scanner stores a column's value. */
enum Slot {
  String = 0,
  Double = 1,
  Long = 2,
  Int = 3,
  Boolean = 4,
  Timestamp = 5,
  Date = 6,
  /** A type the scanner leaves to the general path (arrays, structs, maps, binary, null). */
  Other = 7,
}

export interface ScanColumn {
  readonly index: number
  readonly name: string
  readonly type: DataType
}

export interface ScanTarget {
  readonly values: unknown[]
  readonly numbers: Float64Array
  readonly numberSet: Uint8Array
}

function slotOf(type: DataType): Slot {
  switch (type.kind) {
    case 'string':
      return Slot.String
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
    default:
      return Slot.Other
  }
}

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const OPEN = 123
const CLOSE = 125
const MINUS = 45
const PLUS = 43
const DOT = 46
const C0 = 48
const C9 = 57

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13
const isDigit = (c: number) => c >= C0 && c <= C9

/** Integers of up to 15 digits are exact when accumulated in a double. */
const EXACT_DIGITS = 15

export class JsonLineScanner {
  private readonly names: string[]
  private readonly slots: Slot[]
  private readonly targets: number[]
  /** Column order of the previous record: the next key is tried there first. */
  private readonly order: Int32Array
  /** Numbers read by scanNumber: their end, and whether they are integers. */
  private numberEnd = 0
  private numberIsInteger = false
  private numberValue = 0
  /** The text being scanned, and what a string in it may skip checking (see reset). */
  private text = ''
  private nextBackslash = -1
  private controlFree = false

  constructor(
    columns: readonly ScanColumn[],
    private readonly parseTimestamp: TextToMillis,
    private readonly parseDate: TextToMillis,
  ) {
    this.names = columns.map((c) => c.name)
    this.slots = columns.map((c) => slotOf(c.type))
    this.targets = columns.map((c) => c.index)
    this.order = Int32Array.from(columns.map((_, i) => i))
  }

  /**
   * Takes a new text: a string's end is then found with one native search for its quote
   * when no backslash lies before it and the text holds no control character but line
   * ends (looked for once per text, not per character).
   */
  reset(text: string): void {
    this.text = text
    this.nextBackslash = text.indexOf('\\')
    // Control characters (other than the line ends) make a line invalid JSON: such text is
    // checked character by character.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point.
    this.controlFree = !/[\x00-\x09\x0b-\x1f]/.test(text)
  }

  /** The position of the quote that ends a string starting at s, or -1 to check by character. */
  private fastStringEnd(s: number, end: number): number {
    if (!this.controlFree) return -1
    const text = this.text
    const q = text.indexOf('"', s)
    if (q < 0 || q >= end) return -2
    let b = this.nextBackslash
    if (b >= 0 && b < s) {
      b = text.indexOf('\\', s)
      this.nextBackslash = b
    }
    return b >= 0 && b < q ? -1 : q
  }

  /**
   * Reads the object on [start, end) into `out`; false when the line must go to the general
   * path (out may then hold part of the record: the caller clears it).
   */
  scan(text: string, start: number, end: number, out: ScanTarget): boolean {
    let i = start
    while (i < end && isWs(text.charCodeAt(i))) i++
    if (text.charCodeAt(i) !== OPEN) return false
    i++
    while (i < end && isWs(text.charCodeAt(i))) i++
    let k = 0
    if (text.charCodeAt(i) === CLOSE) i++
    else {
      for (;;) {
        if (text.charCodeAt(i) !== QUOTE) return false
        const keyStart = i + 1
        let keyEnd = keyStart
        for (;;) {
          if (keyEnd >= end) return false
          const c = text.charCodeAt(keyEnd)
          if (c === QUOTE) break
          if (c === BACKSLASH || c < 32) return false
          keyEnd++
        }
        const column = this.findKey(text, keyStart, keyEnd, k++)
        i = keyEnd + 1
        while (i < end && isWs(text.charCodeAt(i))) i++
        if (text.charCodeAt(i) !== COLON) return false
        i++
        while (i < end && isWs(text.charCodeAt(i))) i++
        i = column < 0 ? this.skipValue(text, i, end) : this.readValue(text, i, end, column, out)
        if (i < 0) return false
        while (i < end && isWs(text.charCodeAt(i))) i++
        const c = text.charCodeAt(i)
        i++
        if (c === CLOSE) break
        if (c !== COMMA) return false
        while (i < end && isWs(text.charCodeAt(i))) i++
      }
    }
    while (i < end && isWs(text.charCodeAt(i))) i++
    return i === end
  }

  /** The column named by text[start, end), or -1; tries the column that held position k last time first. */
  private findKey(text: string, start: number, end: number, k: number): number {
    const names = this.names
    const order = this.order
    const len = end - start
    if (k < order.length) {
      const guess = order[k]
      if (sameName(names[guess], text, start, len)) return guess
    }
    for (let c = 0; c < names.length; c++) {
      if (sameName(names[c], text, start, len)) {
        if (k < order.length) order[k] = c
        return c
      }
    }
    return -1
  }

  /** Reads one value into column `column`; the position after it, or -1. */
  private readValue(text: string, i: number, end: number, column: number, out: ScanTarget): number {
    const slot = this.slots[column]
    const target = this.targets[column]
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const s = i + 1
      let j = text === this.text ? this.fastStringEnd(s, end) : -1
      if (j === -2) return -1
      if (j < 0) {
        j = s
        for (;;) {
          if (j >= end) return -1
          const d = text.charCodeAt(j)
          if (d === QUOTE) break
          if (d === BACKSLASH || d < 32) return -1
          j++
        }
      }
      if (slot === Slot.String) out.values[target] = text.slice(s, j)
      else if (slot === Slot.Timestamp || slot === Slot.Date) {
        const ms = (slot === Slot.Timestamp ? this.parseTimestamp : this.parseDate)(text.slice(s, j))
        if (ms === null) return -1
        out.numbers[target] = ms
        out.numberSet[target] = 1
      } else return -1
      return j + 1
    }
    if (c === MINUS || isDigit(c)) {
      if (slot !== Slot.Double && slot !== Slot.Long && slot !== Slot.Int) return -1
      if (!this.scanNumber(text, i, end)) return -1
      const v = this.numberValue
      if (slot !== Slot.Double) {
        if (!this.numberIsInteger || !Number.isSafeInteger(v)) return -1
        if (slot === Slot.Int && (v < -2147483648 || v > 2147483647)) return -1
      }
      out.numbers[target] = v
      out.numberSet[target] = 1
      return this.numberEnd
    }
    if (c === 110 /* n */) {
      if (!text.startsWith('null', i)) return -1
      out.values[target] = null
      out.numberSet[target] = 0
      return i + 4
    }
    if (slot !== Slot.Boolean) return -1
    if (c === 116 && text.startsWith('true', i)) {
      out.values[target] = true
      return i + 4
    }
    if (c === 102 && text.startsWith('false', i)) {
      out.values[target] = false
      return i + 5
    }
    return -1
  }

  /**
   * A JSON number at i (the grammar exactly: no leading zeros, digits after a point and in
   * an exponent); sets numberValue, numberEnd and numberIsInteger.
   */
  private scanNumber(text: string, i: number, end: number): boolean {
    const start = i
    let negative = false
    if (text.charCodeAt(i) === MINUS) {
      negative = true
      i++
    }
    const intStart = i
    let v = 0
    while (i < end) {
      const c = text.charCodeAt(i)
      if (!isDigit(c)) break
      v = v * 10 + (c - C0)
      i++
    }
    const intDigits = i - intStart
    if (intDigits === 0 || (intDigits > 1 && text.charCodeAt(intStart) === C0)) return false
    let integer = true
    if (text.charCodeAt(i) === DOT) {
      integer = false
      i++
      const f = i
      while (i < end && isDigit(text.charCodeAt(i))) i++
      if (i === f) return false
    }
    const e = text.charCodeAt(i)
    if (e === 101 || e === 69) {
      integer = false
      i++
      const sign = text.charCodeAt(i)
      if (sign === PLUS || sign === MINUS) i++
      const f = i
      while (i < end && isDigit(text.charCodeAt(i))) i++
      if (i === f) return false
    }
    this.numberEnd = i
    if (integer && intDigits <= EXACT_DIGITS) {
      this.numberValue = negative ? -v : v
      this.numberIsInteger = true
      return true
    }
    // What JSON.parse gives, correctly rounded; an integer of many digits may still be whole.
    const x = Number(text.slice(start, i))
    this.numberValue = x
    this.numberIsInteger = integer && Number.isInteger(x)
    return true
  }

  /** Skips a value of a field the schema does not name; -1 when it is not one the scanner takes. */
  private skipValue(text: string, i: number, end: number): number {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const q = text === this.text ? this.fastStringEnd(i + 1, end) : -1
      if (q === -2) return -1
      if (q >= 0) return q + 1
      let j = i + 1
      for (;;) {
        if (j >= end) return -1
        const d = text.charCodeAt(j)
        if (d === QUOTE) return j + 1
        if (d < 32) return -1
        if (d === BACKSLASH) {
          const skip = escapeLength(text, j + 1)
          if (skip < 0) return -1
          j += skip
        }
        j++
      }
    }
    if (c === MINUS || isDigit(c)) return this.scanNumber(text, i, end) ? this.numberEnd : -1
    if (c === 110 && text.startsWith('null', i)) return i + 4
    if (c === 116 && text.startsWith('true', i)) return i + 4
    if (c === 102 && text.startsWith('false', i)) return i + 5
    return -1
  }
}

/** Characters after the backslash of a valid JSON escape, or -1 (JSON.parse refuses `\\x`). */
function escapeLength(text: string, at: number): number {
  const c = text.charCodeAt(at)
  if (c === 117 /* u */) {
    for (let k = 1; k <= 4; k++) {
      const h = text.charCodeAt(at + k)
      const hex = (h >= C0 && h <= C9) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102)
      if (!hex) return -1
    }
    return 5
  }
  // " \ / b f n r t
  return c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116
    ? 1
    : -1
}

function sameName(name: string, text: string, start: number, len: number): boolean {
  if (name.length !== len) return false
  for (let i = 0; i < len; i++) if (name.charCodeAt(i) !== text.charCodeAt(start + i)) return false
  return true
}
