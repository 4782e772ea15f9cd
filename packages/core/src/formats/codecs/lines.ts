/**
 * Text files as lines, the unit of a record in JSON Lines, CSV and text. Lines end at
 * `\n`, `\r\n` or `\r` (Hadoop's rule, which Spark follows) unless a `lineSep` is given.
 * Bytes that are not UTF-8 spoil only their own line: it is decoded with U+FFFD in their
 * place and flagged, so the reader can treat it as a malformed record.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { TributaryError } from '../../util/errors.js'

export interface DecodedLines {
  /** Every line, blank ones included, without its terminator: line n is `lines[n - 1]`. */
  readonly lines: string[]
  /** 1 for each line that held bytes that are not UTF-8; null when every line is valid. */
  readonly invalidUtf8: Uint8Array | null
}

/** V8's longest string; a larger file is decoded line by line instead of whole. */
const MAX_STRING_CHARS = 0x1fffffe8

const strict = new TextDecoder('utf-8', { fatal: true })
const strictKeepBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const lenientKeepBom = new TextDecoder('utf-8', { ignoreBOM: true })

export function decodeLines(bytes: Uint8Array, lineSep?: string): DecodedLines {
  if (bytes.length <= MAX_STRING_CHARS) {
    let text: string | undefined
    try {
      text = strict.decode(bytes)
    } catch {
      // Not UTF-8 somewhere: find which lines, below.
    }
    if (text !== undefined) return { lines: splitText(text, lineSep), invalidUtf8: null }
  }
  return decodeLineByLine(bytes, lineSep)
}

/** The text of a file, or undefined when it is not valid UTF-8 or too long for one string. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.length > MAX_STRING_CHARS) return undefined
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

/** The text of a whole file, or undefined when it holds bytes that are not UTF-8. */
export function decodeWhole(bytes: Uint8Array, file: string): string | undefined {
  if (bytes.length > MAX_STRING_CHARS) {
    throw new TributaryError(
      `FILE_TOO_LARGE: ${file} has ${bytes.length} bytes, more than one JavaScript string can hold, so it cannot be read as a single record. Split it into smaller files, or read it line by line (without multiLine / wholetext).`,
      'FILE_TOO_LARGE',
    )
  }
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

/** Text with U+FFFD for bytes that are not UTF-8, for showing a malformed record. */
export function decodeLenient(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes)
}

export function splitText(text: string, lineSep?: string): string[] {
  let lines: string[]
  if (lineSep !== undefined) lines = text.split(lineSep)
  else if (text.indexOf('\r') < 0) lines = text.split('\n')
  else lines = text.split(/\r\n|\r|\n/)
  // A terminator ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

function decodeLineByLine(bytes: Uint8Array, lineSep?: string): DecodedLines {
  const lines: string[] = []
  const flags: number[] = []
  let anyInvalid = false
  const emit = (start: number, end: number) => {
    const part = bytes.subarray(start, end)
    try {
      lines.push(strictKeepBom.decode(part))
      flags.push(0)
    } catch {
      lines.push(lenientKeepBom.decode(part))
      flags.push(1)
      anyInvalid = true
    }
  }
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  let start = hasBom ? 3 : 0
  if (lineSep !== undefined) {
    const sep = Buffer.from(lineSep, 'utf8')
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (let at = buf.indexOf(sep, start); at >= 0; at = buf.indexOf(sep, start)) {
      emit(start, at)
      start = at + sep.length
    }
  } else {
    for (let i = start; i < bytes.length; i++) {
      const b = bytes[i]
      if (b !== 0x0a && b !== 0x0d) continue
      emit(start, i)
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++
      start = i + 1
    }
  }
  if (start < bytes.length) emit(start, bytes.length)
  return { lines, invalidUtf8: anyInvalid ? Uint8Array.from(flags) : null }
}

/**
 * The first bytes of a file, holding at least `maxLines` complete lines (or the whole file
 * when it is shorter), cut after the last complete line. Schema inference reads no more.
 */
export function readHeadBytes(file: string, maxLines: number, lineSep?: string): Uint8Array {
  const fd = openSync(file, 'r')
  try {
    const chunks: Buffer[] = []
    const terminator = lineSep === undefined ? 0x0a : Buffer.from(lineSep, 'utf8').at(-1)!
    let total = 0
    let terminators = 0
    let lastTerminatorEnd = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024)
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) return Buffer.concat(chunks, total)
      for (let i = 0; i < n; i++) {
        if (chunk[i] !== terminator) continue
        terminators++
        lastTerminatorEnd = total + i + 1
      }
      chunks.push(chunk.subarray(0, n))
      total += n
      // One extra line covers a header line and a line that a custom separator splits oddly.
      if (terminators > maxLines) return Buffer.concat(chunks, total).subarray(0, lastTerminatorEnd)
    }
  } finally {
    closeSync(fd)
  }
}

const JSON_WHITESPACE = /^[ \t\r\n]*$/

/** A JSON Lines line with nothing but JSON whitespace: skipped, not malformed. */
export function isJsonBlank(line: string): boolean {
  return line.length === 0 || JSON_WHITESPACE.test(line)
}

/** A CSV line that is empty after Java's `trim()` (every char <= U+0020): Spark skips it. */
export function isCsvBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) > 0x20) return false
  return true
}
