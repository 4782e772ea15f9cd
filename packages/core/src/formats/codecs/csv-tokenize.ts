/**
 * Splitting CSV lines into fields with csv-parse. Without `multiLine`, Spark reads every
 * line as one record, so a quote never carries over to the next line and a broken line
 * spoils only itself. Lines without a quote character are split directly (csv-parse would
 * give the same fields, an order of magnitude slower); the others go to csv-parse in batches, and
 * a batch that does not come back as one record per line is parsed again line by line to
 * find the lines at fault.
 */
import { type CsvError, parse } from 'csv-parse/sync'
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

export interface CsvSyntax {
  readonly delimiter: string
  /** null when quoting is off (option quote set to ''). */
  readonly quote: string | null
  readonly escape: string | null
  readonly comment: string | null
  readonly ltrim: boolean
  readonly rtrim: boolean
}

function singleChar(options: Options, key: string, fallback: string): string | null {
  const v = options.get(key) ?? fallback
  if (v === '') return null
  if (v.length !== 1) {
    throw new OptionError(
      `${options.owner}: option '${key}' must be a single character, got '${v}'.`,
      'INVALID_OPTION',
    )
  }
  return v
}

export function csvSyntax(options: Options, forWriting: boolean): CsvSyntax {
  const delimiter = options.get('sep') ?? options.get('delimiter') ?? ','
  if (delimiter === '') {
    throw new OptionError(`${options.owner}: option 'sep' must not be empty.`, 'INVALID_OPTION')
  }
  // Spark trims unquoted values when writing unless told not to, and never when reading.
  return {
    delimiter: delimiter === '\\t' ? '\t' : delimiter,
    quote: singleChar(options, 'quote', '"'),
    escape: singleChar(options, 'escape', '\\'),
    comment: singleChar(options, 'comment', ''),
    ltrim: options.getBoolean('ignoreLeadingWhiteSpace', forWriting),
    rtrim: options.getBoolean('ignoreTrailingWhiteSpace', forWriting),
  }
}

/** A line's fields, or why it could not be split. */
export type Tokenized = string[] | { readonly error: string }

const LEADING_SPACE = /^[ \t\f\r\n]+/
const TRAILING_SPACE = /[ \t\f\r\n]+$/

function splitUnquoted(line: string, s: CsvSyntax): string[] {
  const fields = line.split(s.delimiter)
  if (s.ltrim || s.rtrim) {
    for (let i = 0; i < fields.length; i++) {
      let f = fields[i]
      if (s.ltrim) f = f.replace(LEADING_SPACE, '')
      if (s.rtrim) f = f.replace(TRAILING_SPACE, '')
      fields[i] = f
    }
  }
  return fields
}

function parserOptions(s: CsvSyntax, recordDelimiter: string) {
  return {
    delimiter: s.delimiter,
    quote: s.quote,
    escape: s.escape,
    ltrim: s.ltrim,
    rtrim: s.rtrim,
    record_delimiter: recordDelimiter,
    relax_column_count: true,
    // A quote inside an unquoted field is kept as text, as Spark's parser does.
    relax_quotes: true,
  }
}

function describeCsvError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e)
  // csv-parse counts lines within what it was given (one line): not useful to the user.
  return message.replace(/ (?:at|on) line \d+/g, '').slice(0, 200)
}

function parseOneLine(line: string, s: CsvSyntax, recordDelimiter: string): Tokenized {
  try {
    const records = parse(line, parserOptions(s, recordDelimiter)) as string[][]
    if (records.length === 1) return records[0]
    return { error: `the line splits into ${records.length} records` }
  } catch (e) {
    return { error: describeCsvError(e as CsvError) }
  }
}

/** Quoted lines sent to csv-parse at once; a bad line makes only its batch slow. */
const BATCH_LINES = 256

/**
 * The fields of each line in `lines` (none blank). `recordDelimiter` is what separated
 * them in the file, so that csv-parse treats nothing inside a line as a line end.
 */
export function tokenizeLines(lines: readonly string[], s: CsvSyntax, recordDelimiter: string): Tokenized[] {
  const out = new Array<Tokenized>(lines.length)
  const quoted: number[] = []
  for (let i = 0; i < lines.length; i++) {
    if (s.quote !== null && lines[i].includes(s.quote)) quoted.push(i)
    else out[i] = splitUnquoted(lines[i], s)
  }
  for (let b = 0; b < quoted.length; b += BATCH_LINES) {
    const batch = quoted.slice(b, b + BATCH_LINES)
    let records: string[][] | undefined
    try {
      records = parse(
        batch.map((i) => lines[i]).join(recordDelimiter),
        parserOptions(s, recordDelimiter),
      ) as string[][]
    } catch {
      // Some line in the batch is broken: the loop below finds which.
    }
    // No line is blank or holds a line end outside quotes, so each record takes at least a
    // line: as many records as lines means one record per line.
    const oneEach = records !== undefined && records.length === batch.length
    for (let k = 0; k < batch.length; k++) {
      out[batch[k]] = oneEach ? records![k] : parseOneLine(lines[batch[k]], s, recordDelimiter)
    }
  }
  return out
}

export interface CsvRecordEvent {
  readonly fields?: string[]
  readonly error?: string
  readonly raw: string
  /** Line the record starts on, 1-based. */
  readonly line: number
}

/**
 * multiLine: the whole text through csv-parse, so quoted fields may hold line breaks.
 * A broken record is reported where csv-parse gives up on it; csv-parse then resumes
 * after it as best it can, so one broken quote may spoil the records that follow.
 */
export function tokenizeDocument(
  text: string,
  s: CsvSyntax,
  recordDelimiter: string | undefined,
): CsvRecordEvent[] {
  const events: CsvRecordEvent[] = []
  const linesIn = (raw: string) => (raw.replace(/(?:\r\n|\r|\n)$/, '').match(/\r\n|\r|\n/g) ?? []).length
  try {
    parse(text, {
      ...parserOptions(s, recordDelimiter ?? ''),
      ...(recordDelimiter === undefined ? { record_delimiter: undefined } : {}),
      comment: s.comment ?? undefined,
      comment_no_infix: s.comment !== null,
      skip_empty_lines: true,
      skip_records_with_error: true,
      raw: true,
      // With `raw`, csv-parse hands over { record, raw }, which its types do not say.
      on_record: (value: unknown, ctx: { lines: number }) => {
        const { record, raw } = value as { record: string[]; raw: string }
        events.push({ fields: record, raw, line: ctx.lines - linesIn(raw) })
        return null
      },
      on_skip: (err: CsvError | undefined, raw: string | undefined) => {
        const at = (err as { lines?: number } | undefined)?.lines ?? 1
        events.push({ error: describeCsvError(err), raw: raw ?? '', line: at })
        return undefined
      },
    })
  } catch (e) {
    events.push({ error: describeCsvError(e), raw: '', line: 1 })
  }
  return events
}
