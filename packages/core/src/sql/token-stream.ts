/** A cursor over tokens with the look-ahead and `expect` helpers a recursive-descent parser needs. */
import { type Token, tokenize } from './lexer.js'
import { type SqlParseError, syntaxError } from './parse-error.js'

/**
 * Words that end an expression or a clause, so they cannot be bare names or implicit
 * aliases (quote them in backquotes to use them as names). Spark's other keywords, such as
 * `window`, `key`, `value` or `date`, stay usable as names.
 */
const reserved = new Set(
  (
    'ALL AND ANTI AS ASC BETWEEN BY CASE CAST CROSS DESC DISTINCT DIV ELSE END EXCEPT FALSE FROM FULL GROUP ' +
    'HAVING IN INNER INTERSECT IS JOIN LEFT LIKE LIMIT NOT NULL NULLS ON OR ORDER OUTER REGEXP RIGHT RLIKE ' +
    'SELECT SEMI THEN TRUE UNION USING WATERMARK WHEN WHERE WITH'
  ).split(' '),
)

export const isReserved = (word: string): boolean => reserved.has(word.toUpperCase())

export class TokenStream {
  private readonly tokens: Token[]
  private index = 0
  /** Reads `SELECT ...` inside `IN (...)`; set by the query parser, absent for lone expressions. */
  parseSubquery?: (ts: TokenStream) => unknown

  /** Hint comments by the index of the token they follow: only right after SELECT do they count. */
  private readonly hints = new Map<number, Token>()

  /**
   * @param timeZone the session's zone, in which `TIMESTAMP '...'` literals are read
   *   (as CAST(string AS TIMESTAMP) reads them).
   */
  constructor(
    readonly text: string,
    readonly timeZone = 'UTC',
    /** Values of the query's `:name` parameter markers (Spark's parameterized sql()). */
    readonly params: Readonly<Record<string, unknown>> = {},
  ) {
    this.tokens = []
    for (const t of tokenize(text)) {
      if (t.kind === 'hint') this.hints.set(this.tokens.length - 1, t)
      else this.tokens.push(t)
    }
  }

  /** The hint comment right after the token just read (SELECT, then BROADCAST(t) in a hint comment), if any. */
  hintAfterPrevious(): Token | undefined {
    return this.hints.get(this.index - 1)
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]
  }

  next(): Token {
    const t = this.peek()
    if (this.index < this.tokens.length - 1) this.index++
    return t
  }

  get atEnd(): boolean {
    return this.peek().kind === 'eof'
  }

  /** True when the token `ahead` is the keyword (case-insensitive, never a quoted name). */
  isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead)
    return t.kind === 'word' && t.text.toUpperCase() === word
  }

  acceptWord(...words: string[]): boolean {
    if (!words.every((w, i) => this.isWord(w, i))) return false
    for (const _ of words) this.next()
    return true
  }

  expectWord(word: string, what = `${word}`): Token {
    if (!this.isWord(word)) throw this.unexpected(what)
    return this.next()
  }

  isOp(op: string, ahead = 0): boolean {
    const t = this.peek(ahead)
    return t.kind === 'op' && t.text === op
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false
    this.next()
    return true
  }

  expectOp(op: string, what = `'${op}'`): Token {
    if (!this.isOp(op)) throw this.unexpected(what)
    return this.next()
  }

  /** A name: an unreserved word or a backquoted name. */
  isName(ahead = 0): boolean {
    const t = this.peek(ahead)
    return t.kind === 'quotedName' || (t.kind === 'word' && !isReserved(t.text))
  }

  expectName(what = 'a name'): string {
    if (!this.isName()) throw this.unexpected(what)
    return this.next().text
  }

  /** "expected X, found Y" at the current token. */
  unexpected(expected: string): SqlParseError {
    const t = this.peek()
    return this.errorAt(t.start, `expected ${expected}, but found ${describe(t)}.`)
  }

  errorAt(offset: number, cause: string): SqlParseError {
    return syntaxError(this.text, offset, cause)
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the text'
    case 'string':
      return `the string '${t.text}'`
    case 'quotedName':
      return `\`${t.text}\``
    default:
      return `'${t.text}'`
  }
}
