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
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]
    if (isCsvBlank(text)) continue
    if (syntax.comment !== null && text.startsWith(syntax.comment)) continue
    if (invalidUtf8 === null || invalidUtf8[i] === 0) valid.push(raw.length)
    raw.push(text)
    line.push(i + 1)
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
