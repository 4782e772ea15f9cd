/**
 * PARSE_SYNTAX_ERROR: where SQL text cannot be read, with the line, the column and a caret
 * under the spot, as Spark prints it.
 */
import { TributaryError } from '../util/errors.js'

/** SQL text that does not follow the grammar (docs/sql.md). Thrown before any plan is built. */
export class SqlParseError extends TributaryError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message, 'PARSE_SYNTAX_ERROR')
  }
}

/** Line and column (both from 1) of an offset in text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/** The error for text at `offset`: the cause, then the line of text with a caret under the spot. */
export function syntaxError(text: string, offset: number, cause: string): SqlParseError {
  const { line, column } = lineAndColumn(text, offset)
  const lines = text.split('\n')
  const source = lines[line - 1] ?? ''
  const caret = `${' '.repeat(Math.max(0, column - 1))}^`
  const where = `(line ${line}, pos ${column})`
  return new SqlParseError(
    `PARSE_SYNTAX_ERROR: ${cause} ${where}\n\n== SQL ==\n${source}\n${caret}\n`,
    line,
    column,
  )
}
