/**
 * A CSV file as records: for each, its fields (or why it could not be split), its raw
 * text and the line it starts on. Blank lines and comment lines are not records.
 */

import type { Options } from '../../util/options.js'
import type { CsvSyntax, Tokenized } from './csv-tokenize.js'
import { tokenizeDocument, tokenizeLines } from './csv-tokenize.js'
import { decodeLenient, decodeLines, decodeWhole, isCsvBlank } from './lines.js'
import { lineSepOption } from './text-options.js'

export interface CsvRecords {
  readonly raw: readonly string[]
  readonly line: readonly number[]
  readonly tokens: readonly Tokenized[]
}

const INVALID_UTF8 = { error: 'the line holds bytes that are not valid UTF-8' }

export function csvRecords(bytes: Uint8Array, file: string, syntax: CsvSyntax, options: Options): CsvRecords {
  const lineSep = lineSepOption(options)
  if (options.getBoolean('multiLine', false)) return documentRecords(bytes, file, syntax, lineSep)
  const { lines, invalidUtf8 } = decodeLines(bytes, lineSep)
  const raw: string[] = []
  const line: number[] = []
  const valid: number[] = []
  // A header names columns; a name may hold a line break (the writer quotes it), and the
  // header must stay one record, or its second half would be read as a row.
  let headerDue = options.getBoolean('header', false)
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i]
    if (isCsvBlank(text)) continue
    if (syntax.comment !== null && text.startsWith(syntax.comment)) continue
    const first = i
    let clean = invalidUtf8 === null || invalidUtf8[i] === 0
    if (headerDue) {
      headerDue = false
      while (quoteOpen(text, syntax) && i + 1 < lines.length) {
        i++
        text += (lineSep ?? '\n') + lines[i]
        clean &&= invalidUtf8 === null || invalidUtf8[i] === 0
      }
    }
    if (clean) valid.push(raw.length)
    raw.push(text)
    line.push(first + 1)
  }
  const tokens = new Array<Tokenized>(raw.length).fill(INVALID_UTF8)
  const split = tokenizeLines(
    valid.length === raw.length ? raw : valid.map((r) => raw[r]),
    syntax,
    lineSep ?? '\n',
  )
  for (let k = 0; k < valid.length; k++) tokens[valid[k]] = split[k]
  return { raw, line, tokens }
}

/**
 * Whether `text` ends inside a quoted field. A quote opens a field only at its start (as
 * Spark's parser, and csv-parse with relax_quotes, read `x"y` as text); inside, an escaped
 * or doubled quote does not close it.
 */
export function quoteOpen(text: string, syntax: CsvSyntax): boolean {
  const { quote, escape: esc, delimiter } = syntax
  if (quote === null || !text.includes(quote)) return false
  let inQuotes = false
  let fieldStart = true
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inQuotes) {
      if (esc !== null && esc !== quote && c === esc) i++
      else if (c === quote) {
        if (text[i + 1] === quote) i++
        else inQuotes = false
      }
      continue
    }
    if (fieldStart && c === quote) inQuotes = true
    fieldStart = text.startsWith(delimiter, i)
    if (fieldStart) i += delimiter.length - 1
  }
  return inQuotes
}

function documentRecords(
  bytes: Uint8Array,
  file: string,
  syntax: CsvSyntax,
  lineSep: string | undefined,
): CsvRecords {
  const text = decodeWhole(bytes, file)
  if (text === undefined) {
    // Without line boundaries to confine them, bad bytes spoil the whole file.
    return {
      raw: [decodeLenient(bytes)],
      line: [1],
      tokens: [{ error: 'the file holds bytes that are not valid UTF-8' }],
    }
  }
  // Spark skips lines that trim() empties; csv-parse only skips truly empty ones.
  const events = tokenizeDocument(text, syntax, lineSep).filter(
    (e) => e.fields === undefined || !isCsvBlank(e.raw),
  )
  return {
    raw: events.map((e) => e.raw),
    line: events.map((e) => e.line),
    tokens: events.map((e) => e.fields ?? { error: e.error ?? 'unreadable record' }),
  }
}
