/**
 * Splits SQL text into tokens, each with its offset for error positions. Keywords are not
 * told apart here: the parser reads a word as a keyword only where the grammar expects one,
 * so `window`, `key` or `count` stay usable as names.
 */
import { syntaxError } from './parse-error.js'

export type TokenKind =
  /** An unquoted word: a keyword or a name. */
  | 'word'
  /** A `backquoted` name: never a keyword. */
  | 'quotedName'
  /** The text of a hint comment, which opens with a slash, a star and a plus. */
  | 'hint'
  | 'string'
  | 'number'
  | 'op'
  | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** The word (as written), the name or string without its quotes, the number's text, or the operator. */
  readonly text: string
  readonly start: number
  readonly end: number
}

const operators = ['<=>', '::', '<=', '>=', '<>', '!=', '==', '||', '=', '<', '>', '+', '-', '*', '/', '%']
const punctuation = new Set(['(', ')', ',', '.', '[', ']', ';', ':'])

const isWordStart = (c: string): boolean => /[A-Za-z_]/.test(c)
const isWordPart = (c: string): boolean => /[A-Za-z0-9_]/.test(c)
const isDigit = (c: string): boolean => c >= '0' && c <= '9'

const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', Z: '\x1a' }

export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2)
      if (close < 0) throw syntaxError(text, i, 'the comment is not closed: add */.')
      if (text[i + 2] === '+')
        tokens.push({ kind: 'hint', text: text.slice(i + 3, close), start: i + 3, end: close })
      i = close + 2
      continue
    }
    const start = i
    if (isWordStart(c)) {
      while (i < text.length && isWordPart(text[i])) i++
      tokens.push({ kind: 'word', text: text.slice(start, i), start, end: i })
      continue
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      while (i < text.length && isDigit(text[i])) i++
      if (text[i] === '.' && isDigit(text[i + 1] ?? '')) {
        i++
        while (i < text.length && isDigit(text[i])) i++
      } else if (text[i] === '.' && !isWordStart(text[i + 1] ?? '')) i++
      if ((text[i] === 'e' || text[i] === 'E') && /[0-9+-]/.test(text[i + 1] ?? '')) {
        i += 2
        while (i < text.length && isDigit(text[i])) i++
      }
      // Spark's type suffixes: 10L, 1.5D, 2S, 3Y, 1.0BD.
      const suffix = /^(BD|L|D|S|Y|F)(?![A-Za-z0-9_])/i.exec(text.slice(i))
      if (suffix) i += suffix[0].length
      if (i < text.length && isWordPart(text[i])) {
        throw syntaxError(
          text,
          start,
          `'${text.slice(start, i + 1)}' is not a number or a name. Quote a name that starts with a digit in backquotes.`,
        )
      }
      tokens.push({ kind: 'number', text: text.slice(start, i), start, end: i })
      continue
    }
    if (c === "'" || c === '"') {
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) {
          throw syntaxError(text, start, `the string starting here is not closed: add ${c} at its end.`)
        }
        const d = text[i]
        if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1]
          value += escapes[e] ?? e
          i += 2
          continue
        }
        if (d === c) {
          if (text[i + 1] === c) {
            value += c
            i += 2
            continue
          }
          i++
          break
        }
        value += d
        i++
      }
      tokens.push({ kind: 'string', text: value, start, end: i })
      continue
    }
    if (c === '`') {
      let name = ''
      i++
      for (;;) {
        if (i >= text.length)
          throw syntaxError(text, start, 'the quoted name is not closed: add ` at its end.')
        if (text[i] === '`') {
          if (text[i + 1] === '`') {
            name += '`'
            i += 2
            continue
          }
          i++
          break
        }
        name += text[i++]
      }
      if (name === '') throw syntaxError(text, start, 'an empty quoted name (``) names nothing.')
      tokens.push({ kind: 'quotedName', text: name, start, end: i })
      continue
    }
    const op = operators.find((o) => text.startsWith(o, i))
    if (op) {
      tokens.push({ kind: 'op', text: op, start, end: i + op.length })
      i += op.length
      continue
    }
    if (punctuation.has(c)) {
      tokens.push({ kind: 'op', text: c, start, end: i + 1 })
      i++
      continue
    }
    throw syntaxError(text, i, `unexpected character '${c}'.`)
  }
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length })
  return tokens
}
