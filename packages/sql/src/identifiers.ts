/**
 * Table and column names. Every name reaches SQL quoted by the dialect, exactly as the
 * user wrote it (so case matters in PostgreSQL); names that no quoting makes safe are
 * refused here, before any SQL is built.
 */
import { OptionError } from '@tributary/core'

/** A table, optionally in a schema (PostgreSQL) or database (MySQL). */
export interface TableName {
  readonly schema: string | undefined
  readonly name: string
}

export class InvalidIdentifierError extends OptionError {}

// Control characters (NUL above all) cannot be stored in a catalog name by either server,
// and a quoting bug around them is the classic injection path: refuse them outright.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const CONTROL = /[\u0000-\u001f\u007f]/

/** Throws unless `name` can be quoted safely and stored as a name by the server. */
export function checkIdentifier(name: string, what: string, maxLength: number, system: string): string {
  if (name.length === 0) {
    throw new InvalidIdentifierError(
      `INVALID_IDENTIFIER: the ${what} name is empty. Give a non-empty name.`,
      'INVALID_IDENTIFIER',
    )
  }
  if (CONTROL.test(name)) {
    throw new InvalidIdentifierError(
      `INVALID_IDENTIFIER: the ${what} name ${JSON.stringify(name)} contains a control character, which cannot be quoted safely. Rename it (e.g. with withColumnRenamed or alias) to printable characters.`,
      'INVALID_IDENTIFIER',
    )
  }
  const length = system === 'PostgreSQL' ? Buffer.byteLength(name, 'utf8') : [...name].length
  if (length > maxLength) {
    throw new InvalidIdentifierError(
      `INVALID_IDENTIFIER: the ${what} name '${name}' is longer than ${system} allows (${maxLength} ${system === 'PostgreSQL' ? 'bytes' : 'characters'}); the server would shorten or refuse it. Use a shorter name.`,
      'INVALID_IDENTIFIER',
    )
  }
  return name
}

/**
 * Splits `schema.table`. A part may be quoted with "..." or `...` to hold dots; a quote
 * character inside is written twice, as in SQL. More than two parts are refused.
 */
export function parseTableName(text: string, option: string): TableName {
  const parts: string[] = []
  let i = 0
  const bad = (why: string) =>
    new InvalidIdentifierError(
      `INVALID_TABLE_NAME: option '${option}' = '${text}': ${why}. Write table or schema.table; quote a part that holds a dot with "..." (PostgreSQL) or \`...\` (MySQL).`,
      'INVALID_TABLE_NAME',
    )
  while (i <= text.length) {
    const q = text[i]
    if (q === '"' || q === '`') {
      let part = ''
      i++
      for (;;) {
        if (i >= text.length) throw bad('a quoted part is not closed')
        if (text[i] === q) {
          if (text[i + 1] === q) {
            part += q
            i += 2
            continue
          }
          i++
          break
        }
        part += text[i++]
      }
      parts.push(part)
    } else {
      const dot = text.indexOf('.', i)
      const end = dot === -1 ? text.length : dot
      parts.push(text.slice(i, end).trim())
      i = end
    }
    if (i >= text.length) break
    if (text[i] !== '.') throw bad('expected a dot after a quoted part')
    i++
  }
  if (parts.length > 2) throw bad('more than two parts')
  if (parts.some((p) => p.length === 0)) throw bad('a part is empty')
  return parts.length === 2 ? { schema: parts[0], name: parts[1] } : { schema: undefined, name: parts[0] }
}

/** The name as a user would recognize it, for messages and the batch log. */
export function displayTable(t: TableName): string {
  return t.schema === undefined ? t.name : `${t.schema}.${t.name}`
}
