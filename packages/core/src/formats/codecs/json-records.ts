/**
 * The records of a JSON file, each parsed or with the reason it could not be, and where
 * it is: one per non-blank line, or with `multiLine` the file's one document (each element
 * of a top-level array being a record).
 */
import type { Options } from '../../util/options.js'
import { decodeLenient, decodeLines, decodeWhole, isJsonBlank } from './lines.js'
import type { RecordLocation } from './parse-mode.js'
import { lineSepOption } from './text-options.js'

export interface JsonRecord {
  /** The parsed value; undefined when `problem` says why there is none. */
  readonly parsed?: unknown
  readonly problem?: string
  /** The line's text, or the whole document's. */
  readonly text: string
  readonly at: RecordLocation
  /** Position in the top-level array of a multiLine document. */
  readonly element?: number
}

/** The raw text kept for a malformed record: its line, or its element of the document. */
export function rawText(record: JsonRecord): string {
  return record.element === undefined ? record.text : JSON.stringify(record.parsed)
}

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** JSON.parse messages can quote the input; keep them short. */
export function parseProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e)
  return `invalid JSON: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`
}

/** The line a JSON.parse error points at, counted from the start of `text`. */
function lineOfParseError(text: string, e: unknown): number {
  const m = /at position (\d+)/.exec(e instanceof Error ? e.message : '')
  if (m === null) return 1
  const end = Math.min(Number(m[1]), text.length)
  let line = 1
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

function* documentRecords(bytes: Uint8Array, file: string, maxRecords: number): Generator<JsonRecord> {
  const text = decodeWhole(bytes, file)
  if (text === undefined) {
    yield {
      problem: 'the file holds bytes that are not valid UTF-8',
      text: decodeLenient(bytes),
      at: { line: 1 },
    }
    return
  }
  if (isJsonBlank(text)) return
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    yield { problem: parseProblem(e), text, at: { line: lineOfParseError(text, e) } }
    return
  }
  if (!Array.isArray(parsed)) {
    yield { parsed, text, at: { line: 1 } }
    return
  }
  for (let k = 0; k < parsed.length && k < maxRecords; k++) {
    yield {
      parsed: parsed[k],
      text,
      at: { line: 1, detail: `element ${k} of the top-level array` },
      element: k,
    }
  }
}

function* lineRecords(bytes: Uint8Array, options: Options, maxRecords: number): Generator<JsonRecord> {
  const { lines, invalidUtf8 } = decodeLines(bytes, lineSepOption(options))
  let seen = 0
  for (let i = 0; i < lines.length && seen < maxRecords; i++) {
    const text = lines[i]
    if (isJsonBlank(text)) continue
    seen++
    const at = { line: i + 1 }
    if (invalidUtf8 !== null && invalidUtf8[i] === 1) {
      yield { problem: 'the line holds bytes that are not valid UTF-8', text, at }
      continue
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      yield { problem: parseProblem(e), text, at }
      continue
    }
    yield { parsed, text, at }
  }
}

export function jsonRecords(
  bytes: Uint8Array,
  file: string,
  options: Options,
  maxRecords = Number.POSITIVE_INFINITY,
): Generator<JsonRecord> {
  return options.getBoolean('multiLine', false)
    ? documentRecords(bytes, file, maxRecords)
    : lineRecords(bytes, options, maxRecords)
}
