/**
 * String functions against Spark's documented results (the examples of the Spark SQL
 * function reference, marked "doc"), plus nulls, code points and type errors.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { call, errorOf, frame, scalar, typeOf, values } from './eval.js'

const strings = (rows: (string | null)[]) =>
  frame(
    newSession(),
    { s: { type: 'string', nullable: true } },
    rows.map((s) => ({ s })),
  )

describe('case and trimming', () => {
  it('lower and upper, with nulls and non-ASCII letters', async () => {
    const df = strings(['SparkSql', null, 'Straße', 'ÀÉÎ', ''])
    expect(await values(df, F.lower('s'))).toEqual(['sparksql', null, 'straße', 'àéî', ''])
    expect(await values(df, F.upper(col('s')))).toEqual(['SPARKSQL', null, 'STRASSE', 'ÀÉÎ', ''])
    expect(typeOf(df, F.lower('s'))).toBe('string')
  })

  it('trim, ltrim and rtrim remove spaces only, as Spark does (doc)', async () => {
    const df = strings(['    SparkSQL   ', '\tx\t ', '', '   ', null])
    expect(await values(df, F.trim('s'))).toEqual(['SparkSQL', '\tx\t', '', '', null])
    expect(await values(df, F.ltrim('s'))).toEqual(['SparkSQL   ', '\tx\t ', '', '', null])
    expect(await values(df, F.rtrim('s'))).toEqual(['    SparkSQL', '\tx\t', '', '', null])
  })

  it('trim with a set of characters (doc: TRIM(BOTH "SL" FROM "SSparkSQLS"))', async () => {
    const s = newSession()
    expect(await scalar(s, call('trim', lit('SSparkSQLS'), lit('SL')))).toBe('parkSQ')
    expect(await scalar(s, call('ltrim', lit('SSparkSQLS'), lit('SL')))).toBe('parkSQLS')
    expect(await scalar(s, call('rtrim', lit('SSparkSQLS'), lit('SL')))).toBe('SSparkSQ')
  })

  it('initcap upper-cases the first letter of each space-separated word (doc)', async () => {
    const df = strings(['sPark sql', 'hello\tworld', '', 'a  b', null, 'ßig deal'])
    expect(await values(df, F.initcap('s'))).toEqual([
      'Spark Sql',
      'Hello\tworld',
      '',
      'A  B',
      null,
      'ßig Deal',
    ])
  })
})

describe('length, substring, reverse', () => {
  it('length counts characters (code points), not UTF-16 units, and is an int (doc: length("Spark SQL ") = 10)', async () => {
    const df = strings(['Spark SQL ', '', '😀a', 'é', null])
    expect(await values(df, F.length('s'))).toEqual([10, 0, 2, 1, null])
    expect(typeOf(df, F.length('s'))).toBe('int')
  })

  it('length of binary counts bytes', async () => {
    const df = frame(newSession(), { b: 'binary' }, [{ b: new Uint8Array([1, 2, 3]) }])
    expect(await values(df, F.length(col('b') as never))).toEqual([3])
  })

  it('substring is 1-based, 0 means 1, negative counts from the end (doc)', async () => {
    const df = strings(['Spark SQL'])
    expect(await values(df, call('substring', col('s'), lit(5)))).toEqual(['k SQL'])
    expect(await values(df, call('substring', col('s'), lit(-3)))).toEqual(['SQL'])
    expect(await values(df, F.substring('s', 5, 1))).toEqual(['k'])
    expect(await values(df, F.substring('s', 0, 2))).toEqual(['Sp'])
    expect(await values(df, F.substring('s', 1, 0))).toEqual([''])
    expect(await values(df, F.substring('s', 3, -1))).toEqual([''])
    expect(await values(df, F.substring('s', 20, 2))).toEqual([''])
    // Starts before the beginning: the part of [start, start+len) that exists.
    expect(await values(df, F.substring('s', -12, 5))).toEqual(['Sp'])
    expect(await values(df, col('s').substr(7, 100))).toEqual(['SQL'])
  })

  it('substring works on code points and passes nulls through', async () => {
    const df = strings(['😀bc', null])
    expect(await values(df, F.substring('s', 1, 2))).toEqual(['😀b', null])
    expect(await values(df, F.substring('s', -1, 1))).toEqual(['c', null])
  })

  it('reverse reverses strings by character and arrays by element (doc)', async () => {
    const df = strings(['Spark SQL', '😀ab', '', null])
    expect(await values(df, F.reverse('s'))).toEqual(['LQS krapS', 'ba😀', '', null])
    const s = newSession()
    expect(await scalar(s, F.reverse(F.array(lit(2), lit(1), lit(4), lit(3))))).toEqual([3, 4, 1, 2])
  })
})

describe('concat and concat_ws', () => {
  it('concat is null when any argument is null (doc: concat("Spark", "SQL"))', async () => {
    const df = frame(
      newSession(),
      { a: { type: 'string', nullable: true }, b: { type: 'string', nullable: true } },
      [
        { a: 'Spark', b: 'SQL' },
        { a: 'x', b: null },
        { a: '', b: '' },
      ],
    )
    expect(await values(df, F.concat('a', 'b'))).toEqual(['SparkSQL', null, ''])
    expect(await values(df, F.concat('a', lit('-') as never, 'b'))).toEqual(['Spark-SQL', null, '-'])
  })

  it('concat casts numbers to strings and joins arrays', async () => {
    const df = frame(newSession(), { s: 'string', n: 'int', xs: { array: 'int' } }, [
      { s: 'a', n: 1, xs: [1, 2] },
    ])
    expect(await values(df, F.concat('s', 'n'))).toEqual(['a1'])
    expect(await values(df, F.concat('xs', F.array(lit(3))))).toEqual([[1, 2, 3]])
    expect(typeOf(df, F.concat('xs', 'xs'))).toBe('array<int>')
  })

  it('concat_ws skips nulls and flattens arrays of strings (doc: concat_ws(" ", "Spark", "SQL"))', async () => {
    const df = frame(
      newSession(),
      {
        a: { type: 'string', nullable: true },
        b: { type: 'string', nullable: true },
        xs: { array: 'string' },
      },
      [
        { a: 'Spark', b: 'SQL', xs: ['x', 'y'] },
        { a: 'a', b: null, xs: [] },
        { a: null, b: null, xs: ['only'] },
      ],
    )
    expect(await values(df, F.concat_ws(' ', 'a', 'b'))).toEqual(['Spark SQL', 'a', ''])
    expect(await values(df, F.concat_ws(',', 'a', 'xs', 'b'))).toEqual(['Spark,x,y,SQL', 'a', 'only'])
    expect(await values(df, F.concat_ws(','))).toEqual(['', '', ''])
  })
})

describe('regular expressions (Java syntax)', () => {
  it('split with Spark limit semantics (doc)', async () => {
    const df = strings(['oneAtwoBthreeC'])
    expect(await values(df, F.split('s', '[ABC]'))).toEqual([['one', 'two', 'three', '']])
    expect(await values(df, F.split('s', '[ABC]', -1))).toEqual([['one', 'two', 'three', '']])
    expect(await values(df, F.split('s', '[ABC]', 2))).toEqual([['one', 'twoBthreeC']])
    expect(await values(df, F.split('s', '[ABC]', 0))).toEqual([['one', 'two', 'three', '']])
    expect(typeOf(df, F.split('s', ','))).toBe('array<string>')
  })

  it('split edge cases: empty input, empty pattern, leading separators, nulls', async () => {
    const df = strings(['', ',a,,b,', 'abc', null, 'a1b22c'])
    expect(await values(df, F.split('s', ','))).toEqual([
      [''],
      ['', 'a', '', 'b', ''],
      ['abc'],
      null,
      ['a1b22c'],
    ])
    expect(await values(df, F.split('s', ''))).toEqual([
      [''],
      [',', 'a', ',', ',', 'b', ','],
      ['a', 'b', 'c'],
      null,
      ['a', '1', 'b', '2', '2', 'c'],
    ])
    expect(await values(df, F.split('s', '', 2))).toEqual([
      [''],
      [',', 'a,,b,'],
      ['a', 'bc'],
      null,
      ['a', '1b22c'],
    ])
    expect(await values(df, F.split('s', '\\d+'))).toEqual([[''], [',a,,b,'], ['abc'], null, ['a', 'b', 'c']])
  })

  it('regexp_extract returns the group, or "" when nothing matches (doc)', async () => {
    const df = strings(['100-200', 'foo', null, 'ab'])
    expect(await values(df, F.regexp_extract('s', '(\\d+)-(\\d+)', 1))).toEqual(['100', '', null, ''])
    expect(await values(df, F.regexp_extract('s', '(\\d+)-(\\d+)', 2))).toEqual(['200', '', null, ''])
    expect(await values(df, F.regexp_extract('s', '(\\d+)-(\\d+)', 0))).toEqual(['100-200', '', null, ''])
    // A group that takes no part in the match gives '' too.
    expect(await values(df, F.regexp_extract('s', '(a)|(z)', 2))).toEqual(['', '', null, ''])
  })

  it('regexp_extract refuses a group index the pattern does not have', async () => {
    const df = strings(['x'])
    expect(await errorOf(df, F.regexp_extract('s', '(\\d+)', 2))).toBe(
      "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX: regexp_extract was asked for group 2, but the regular expression '(\\d+)' has 1 group(s). Use an index from 0 (the whole match) to 1.",
    )
  })

  it('regexp_replace replaces every match, with $n group references (doc)', async () => {
    const df = strings(['100-200', '2024-01-15', null, ''])
    expect(await values(df, F.regexp_replace('s', '(\\d+)', 'num'))).toEqual([
      'num-num',
      'num-num-num',
      null,
      '',
    ])
    expect(await values(df, F.regexp_replace('s', '(\\d+)-(\\d+)-(\\d+)', '$3/$2/$1'))).toEqual([
      '100-200',
      '15/01/2024',
      null,
      '',
    ])
    expect(await values(df, F.regexp_replace('s', '-', '\\$'))).toEqual(['100$200', '2024$01$15', null, ''])
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Java's named-group reference
    expect(await values(df, F.regexp_replace('s', '(?<y>\\d{4})', '[${y}]'))).toEqual([
      '100-200',
      '[2024]-01-15',
      null,
      '',
    ])
    // Empty matches are replaced too, as Java's replaceAll does.
    expect(await values(df, F.regexp_replace('s', 'x*', '.'))).toEqual([
      '.1.0.0.-.2.0.0.',
      '.2.0.2.4.-.0.1.-.1.5.',
      null,
      '.',
    ])
  })

  it('regexp_replace from a position (Spark 3.1+)', async () => {
    const s = newSession()
    expect(await scalar(s, call('regexp_replace', lit('aaa'), lit('a'), lit('b'), lit(2)))).toBe('abb')
  })

  it('rlike finds the pattern anywhere (doc) and understands Java-only syntax', async () => {
    const df = strings(['%SystemDrive%\\Users\\John', 'ABC', 'a.b', null])
    expect(await values(df, col('s').rlike('%SystemDrive%\\\\Users.*'))).toEqual([true, false, false, null])
    expect(await values(df, col('s').rlike('(?i)^abc$'))).toEqual([false, true, false, null])
    expect(await values(df, col('s').rlike('^\\p{Upper}+$'))).toEqual([false, true, false, null])
    expect(await values(df, col('s').rlike('\\Qa.b\\E'))).toEqual([false, false, true, null])
    expect(await values(df, col('s').rlike('\\AABC\\z'))).toEqual([false, true, false, null])
  })

  it('a pattern that does not compile is an analysis error naming it', async () => {
    const df = strings(['x'])
    expect(await errorOf(df, col('s').rlike('[a-'))).toMatch(
      /^INVALID_PARAMETER_VALUE\.PATTERN: rlike got an invalid regular expression '\[a-': .*\. Fix the pattern \(it uses Java syntax, as in Spark\)\.$/,
    )
    expect(await errorOf(df, F.split('s', 'a++'))).toBe(
      "INVALID_PARAMETER_VALUE.PATTERN: split cannot use the regular expression 'a++': possessive quantifiers (*+, ++, ?+) are not supported in JavaScript. Rewrite the pattern without them.",
    )
    expect(await errorOf(df, F.regexp_replace('s', '(?>a)', 'b'))).toMatch(/atomic groups/)
  })

  it('patterns that come from a column are compiled per value', async () => {
    const df = frame(newSession(), { s: 'string', p: { type: 'string', nullable: true } }, [
      { s: 'abc', p: '^a' },
      { s: 'abc', p: 'c$' },
      { s: 'abc', p: '^b' },
      { s: 'abc', p: null },
    ])
    expect(await values(df, call('rlike', col('s'), col('p')))).toEqual([true, true, false, null])
    expect(await values(df, call('regexp_replace', col('s'), col('p'), lit('_')))).toEqual([
      '_bc',
      'ab_',
      'abc',
      null,
    ])
  })
})

describe('split_part (Spark 3.5)', () => {
  it('takes a part counted from 1, or from the end when negative; the delimiter is literal (doc)', async () => {
    const df = strings(['11.12.13', null])
    const parts = async (k: number) => values(df, F.split_part('s', '.', k))
    expect(await parts(1)).toEqual(['11', null])
    expect(await parts(3)).toEqual(['13', null])
    expect(await parts(-1)).toEqual(['13', null])
    expect(await parts(-2)).toEqual(['12', null])
    expect(await parts(-3)).toEqual(['11', null])
    expect(typeOf(df, F.split_part('s', '.', 1))).toBe('string')
  })

  it("a part that does not exist is '', and empty parts are kept", async () => {
    const df = strings(['', 'a', 'a,', ',a', 'a,,b'])
    const parts = async (k: number) => values(df, F.split_part('s', ',', k))
    expect(await parts(1)).toEqual(['', 'a', 'a', '', 'a'])
    expect(await parts(2)).toEqual(['', '', '', 'a', ''])
    expect(await parts(3)).toEqual(['', '', '', '', 'b'])
    expect(await parts(4)).toEqual(['', '', '', '', ''])
    expect(await parts(-1)).toEqual(['', 'a', '', 'a', 'b'])
    expect(await parts(-2)).toEqual(['', '', 'a', '', ''])
    expect(await parts(-3)).toEqual(['', '', '', '', 'a'])
    expect(await parts(-4)).toEqual(['', '', '', '', ''])
    expect(await parts(1_000_000)).toEqual(['', '', '', '', ''])
    expect(await parts(-1_000_000)).toEqual(['', '', '', '', ''])
  })

  it('an empty delimiter does not split: parts 1 and -1 are the whole string', async () => {
    const df = strings(['abc', '', null])
    expect(await values(df, F.split_part('s', '', 1))).toEqual(['abc', '', null])
    expect(await values(df, F.split_part('s', '', -1))).toEqual(['abc', '', null])
    expect(await values(df, F.split_part('s', '', 2))).toEqual(['', '', null])
    expect(await values(df, F.split_part('s', '', -2))).toEqual(['', '', null])
  })

  it('multi-character delimiters, overlapping ones split left to right as Spark (Java) does', async () => {
    const df = strings(['a<>b<>c', 'aaa', 'aaaa', 'ababa', '<>'])
    expect(await values(df, F.split_part('s', '<>', 2))).toEqual(['b', '', '', '', ''])
    expect(await values(df, F.split_part('s', '<>', -1))).toEqual(['c', 'aaa', 'aaaa', 'ababa', ''])
    // "aaa" split by "aa" is ["", "a"], "aaaa" is ["", "", ""], "ababa" by "aba" is ["", "ba"].
    expect(await values(df, F.split_part('s', 'aa', 1))).toEqual(['a<>b<>c', '', '', 'ababa', '<>'])
    expect(await values(df, F.split_part('s', 'aa', 2))).toEqual(['', 'a', '', '', ''])
    expect(await values(df, F.split_part('s', 'aa', -1))).toEqual(['a<>b<>c', 'a', '', 'ababa', '<>'])
    expect(await values(df, F.split_part('s', 'aa', -2))).toEqual(['', '', '', '', ''])
    expect(await values(df, F.split_part('s', 'aa', -3))).toEqual(['', '', '', '', ''])
    expect(await values(df, F.split_part('s', 'aba', -1))).toEqual(['a<>b<>c', 'aaa', 'aaaa', 'ba', '<>'])
    expect(await values(df, F.split_part('s', 'aba', -2))).toEqual(['', '', '', '', ''])
    expect(await values(df, F.split_part('s', 'aba', 2))).toEqual(['', '', '', 'ba', ''])
  })

  it('regular-expression metacharacters in the delimiter are taken literally', async () => {
    const df = strings(['a.b|c$d^e*f\\g(h[i+j?k{l'])
    const part = async (d: string, k: number) => (await values(df, F.split_part('s', d, k)))[0]
    expect(await part('.', 2)).toBe('b|c$d^e*f\\g(h[i+j?k{l')
    expect(await part('|', 1)).toBe('a.b')
    expect(await part('$', -1)).toBe('d^e*f\\g(h[i+j?k{l')
    expect(await part('^', 2)).toBe('e*f\\g(h[i+j?k{l')
    expect(await part('*', 1)).toBe('a.b|c$d^e')
    expect(await part('\\', 2)).toBe('g(h[i+j?k{l')
    expect(await part('(', -1)).toBe('h[i+j?k{l')
    expect(await part('[', -1)).toBe('i+j?k{l')
    expect(await part('+', 2)).toBe('j?k{l')
    expect(await part('?', -1)).toBe('k{l')
    expect(await part('{', -1)).toBe('l')
    expect(await part('.*', 1)).toBe('a.b|c$d^e*f\\g(h[i+j?k{l')
  })

  it('works on code points beyond the BMP', async () => {
    const df = strings(['😀/é/x', 'a😀b😀c'])
    expect(await values(df, F.split_part('s', '/', 2))).toEqual(['é', ''])
    expect(await values(df, F.split_part('s', '😀', -1))).toEqual(['/é/x', 'c'])
    expect(await values(df, F.split_part('s', '😀', 1))).toEqual(['', 'a'])
    expect(await values(df, F.split_part('s', '😀', 2))).toEqual(['/é/x', 'b'])
  })

  it('a null string, delimiter or part number gives null', async () => {
    const s = newSession()
    expect(await scalar(s, F.split_part(lit(null), '/', 1))).toBeNull()
    expect(await scalar(s, F.split_part(lit('a/b'), lit(null), 1))).toBeNull()
    expect(await scalar(s, F.split_part(lit('a/b'), '/', lit(null)))).toBeNull()
    const df = frame(
      s,
      {
        s: { type: 'string', nullable: true },
        d: { type: 'string', nullable: true },
        k: { type: 'int', nullable: true },
      },
      [
        { s: 'a/b/c', d: '/', k: 2 },
        { s: null, d: '/', k: 2 },
        { s: 'a/b/c', d: null, k: 2 },
        { s: 'a/b/c', d: '/', k: null },
        { s: 'a-b-c', d: '-', k: -1 },
        { s: 'a-b-c', d: '', k: 1 },
        // A null string with part 0 gives null, not an error: Spark checks the part only for a value.
        { s: null, d: '/', k: 0 },
      ],
    )
    expect(await values(df, F.split_part('s', col('d'), col('k')))).toEqual([
      'b',
      null,
      null,
      null,
      'c',
      'a-b-c',
      null,
    ])
  })

  it('part number 0 is an error (INVALID_INDEX_OF_ZERO), from a literal or from a column', async () => {
    const df = strings(['a/b'])
    const message =
      'INVALID_INDEX_OF_ZERO: split_part counts parts from 1 (and from -1 at the end); 0 is not a part number.'
    expect(await errorOf(df, F.split_part('s', '/', 0))).toBe(message)
    const withK = frame(newSession(), { s: 'string', k: 'int' }, [{ s: 'a/b', k: 0 }])
    expect(await errorOf(withK, F.split_part('s', '/', col('k')))).toBe(message)
  })

  it('refuses arguments of the wrong type', async () => {
    const df = strings(['a/b'])
    expect(await errorOf(df, call('split_part', col('s'), lit('/'), lit('1')))).toMatch(
      /^DATATYPE_MISMATCH: the third argument of split_part must be an integer/,
    )
    expect(await errorOf(df, call('split_part', col('s'), lit('/')))).toMatch(/^WRONG_NUM_ARGS/)
  })

  it("equals the reference (split by the literal delimiter, then the part or ''), literal and column arguments", async () => {
    const session = newSession()
    // Mostly 'a' and 'b', so that overlapping delimiters ('aa' in 'aaa', 'aba' in 'ababa') occur often.
    const char = fc.constantFrom('a', 'a', 'a', 'b', 'b', '/', '.', '|', '😀')
    const delimiter = fc.constantFrom('/', 'a', 'aa', 'ab', 'aba', '.', '|', '', 'a/', '😀', 'xyz')
    const part = fc.integer({ min: -7, max: 7 }).filter((k) => k !== 0)
    const reference = (s: string, d: string, k: number): string => {
      const parts = d === '' ? [s] : s.split(d)
      const i = k > 0 ? k - 1 : parts.length + k
      return i >= 0 && i < parts.length ? parts[i] : ''
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(char, { maxLength: 12 }).map((cs) => cs.join('')),
          { minLength: 1, maxLength: 8 },
        ),
        delimiter,
        part,
        async (xs, d, k) => {
          const df = frame(
            session,
            { s: 'string', d: 'string', k: 'int' },
            xs.map((s) => ({ s, d, k })),
          )
          const expected = xs.map((s) => reference(s, d, k))
          expect(await values(df, F.split_part('s', d, k))).toEqual(expected)
          expect(await values(df, F.split_part('s', col('d'), col('k')))).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('like', () => {
  it('% and _ wildcards, case sensitive, whole string', async () => {
    const df = strings(['Spark', 'spark', 'Spa', 'xSpark', 'a\nb', null])
    expect(await values(df, F.like('s', 'Spa%'))).toEqual([true, false, true, false, false, null])
    expect(await values(df, col('s').like('_park'))).toEqual([true, true, false, false, false, null])
    expect(await values(df, col('s').like('%park'))).toEqual([true, true, false, true, false, null])
    expect(await values(df, col('s').like('%pa%'))).toEqual([true, true, true, true, false, null])
    expect(await values(df, col('s').like('Spark'))).toEqual([true, false, false, false, false, null])
    expect(await values(df, col('s').like('a_b'))).toEqual([false, false, false, false, true, null])
    expect(await values(df, col('s').like('S%k'))).toEqual([true, false, false, false, false, null])
    // Regex syntax in a LIKE pattern is literal.
    const marks = strings(['a-b.c(d)', 'a-bxc(d)', '$^|?'])
    expect(await values(marks, col('s').like('a-b.c(_)'))).toEqual([true, false, false])
    expect(await values(marks, col('s').like('$^|_'))).toEqual([false, false, true])
  })

  it('escapes with a backslash (doc: "%SystemDrive%\\Users\\John" like "\\%SystemDrive\\%\\\\Users%")', async () => {
    const df = strings(['%SystemDrive%\\Users\\John', 'SystemDrive\\Users', '100%', '100x'])
    expect(await values(df, col('s').like('\\%SystemDrive\\%\\\\Users%'))).toEqual([
      true,
      false,
      false,
      false,
    ])
    expect(await values(df, col('s').like('100\\%'))).toEqual([false, false, true, false])
    expect(await values(df, col('s').like('___\\_'))).toEqual([false, false, false, false])
  })

  it('refuses an escape before an ordinary character', async () => {
    const df = strings(['x'])
    expect(await errorOf(df, col('s').like('a\\b'))).toBe(
      "INVALID_PARAMETER_VALUE.PATTERN: the LIKE pattern 'a\\b' is invalid: the escape character is not allowed to precede 'b'. Write a literal backslash as \\\\.",
    )
    expect(await errorOf(df, col('s').like('a\\'))).toMatch(
      /it is not allowed to end with the escape character/,
    )
  })
})

describe('predicates and padding', () => {
  it('startsWith, endsWith and contains with literals and columns', async () => {
    const df = frame(
      newSession(),
      { s: { type: 'string', nullable: true }, t: { type: 'string', nullable: true } },
      [
        { s: 'Spark SQL', t: 'Spark' },
        { s: 'Spark SQL', t: 'SQL' },
        { s: 'Spark SQL', t: '' },
        { s: null, t: 'x' },
        { s: 'x', t: null },
      ],
    )
    expect(await values(df, col('s').startsWith('Spark'))).toEqual([true, true, true, null, false])
    expect(await values(df, col('s').endsWith(col('t')))).toEqual([false, true, true, null, null])
    expect(await values(df, col('s').contains(col('t')))).toEqual([true, true, true, null, null])
    expect(await values(df, col('s').contains('k S'))).toEqual([true, true, true, null, false])
  })

  it('lpad and rpad pad or cut to the length (doc)', async () => {
    const df = strings(['hi', '', '😀', null])
    expect(await values(df, F.lpad('s', 5, '??'))).toEqual(['???hi', '?????', '????😀', null])
    expect(await values(df, F.lpad('s', 1, '??'))).toEqual(['h', '?', '😀', null])
    expect(await values(df, F.rpad('s', 5, '??'))).toEqual(['hi???', '?????', '😀????', null])
    expect(await values(df, F.rpad('s', 1, '??'))).toEqual(['h', '?', '😀', null])
    expect(await values(df, F.lpad('s', 5, ''))).toEqual(['hi', '', '😀', null])
    expect(await values(df, F.lpad('s', 0, 'x'))).toEqual(['', '', '', null])
    expect(await values(df, F.lpad('s', -1, 'x'))).toEqual(['', '', '', null])
    expect(await values(df, F.lpad('s', 4, 'ab😀'))).toEqual(['abhi', 'ab😀a', 'ab😀😀', null])
    expect(await values(df, call('rpad', col('s'), lit(4)))).toEqual(['hi  ', '    ', '😀   ', null])
  })
})

describe('format_string (java.util.Formatter)', () => {
  const df = () =>
    frame(
      newSession(),
      { i: { type: 'int', nullable: true }, d: 'double', s: { type: 'string', nullable: true } },
      [
        { i: 100, d: 12.34567, s: 'days' },
        { i: null, d: 100, s: null },
        { i: -42, d: 1.005, s: 'x' },
      ],
    )

  it('doc: format_string("Hello World %d %s", 100, "days")', async () => {
    expect(await values(df(), F.format_string('Hello World %d %s', 'i', 's'))).toEqual([
      'Hello World 100 days',
      'Hello World null null',
      'Hello World -42 x',
    ])
  })

  it('widths, flags, precision and conversions', async () => {
    const d = df()
    expect(await values(d, F.format_string('%.2f', 'd'))).toEqual(['12.35', '100.00', '1.01'])
    expect(await values(d, F.format_string('%f|%e', 'd', 'd'))).toEqual([
      '12.345670|1.234567e+01',
      '100.000000|1.000000e+02',
      '1.005000|1.005000e+00',
    ])
    expect(await values(d, F.format_string('[%5d|%-5d|%05d|%+d]', 'i', 'i', 'i', 'i'))).toEqual([
      '[  100|100  |00100|+100]',
      '[ null|null | null|null]',
      '[  -42|-42  |-0042|-42]',
    ])
    expect(await values(d, F.format_string('%s %S %x %%', 's', 's', 'i'))).toEqual([
      'days DAYS 64 %',
      'null NULL null %',
      'x X ffffffd6 %',
    ])
    expect(await values(d, F.format_string('%2$s-%1$s', 's', 'd'))).toEqual([
      '12.34567-days',
      '100.0-null',
      '1.005-x',
    ])
    expect(await values(d, F.format_string('%,d', 'i'))).toEqual(['100', 'null', '-42'])
    expect(await scalar(newSession(), F.format_string('%,d', lit(1234567) as never))).toBe('1,234,567')
  })

  it('refuses a conversion that does not fit the argument, as Java would', async () => {
    expect(await errorOf(df(), F.format_string('%d', 'd'))).toBe(
      "DATATYPE_MISMATCH: format_string cannot use the format '%d': %d needs an integer, but d is double (cast it with .cast('long'), or use %f).",
    )
    expect(await errorOf(df(), F.format_string('%s %s', 's'))).toMatch(
      /%s needs argument 2, but only 1 were given/,
    )
  })
})

describe('type errors', () => {
  it('names the function, the argument, its type and the fix', async () => {
    const df = frame(newSession(), { n: 'int', s: 'string' }, [{ n: 1, s: 'a' }])
    expect(await errorOf(df, F.lower(col('n') as never))).toBe(
      "DATATYPE_MISMATCH: the first argument of lower must be a string, but n is int. Convert it with .cast('string').",
    )
    expect(await errorOf(df, F.substring('s', 1.5, 2))).toBe(
      "DATATYPE_MISMATCH: the second argument of substring must be an integer (int or long), but 1.5 is double. Convert it with .cast('int').",
    )
    expect(await errorOf(df, col('n').like('1%'))).toMatch(
      /^DATATYPE_MISMATCH: the first argument of like must be a string, but n is int/,
    )
    expect(await errorOf(df, F.concat('s', F.struct('n')))).toMatch(
      /^DATATYPE_MISMATCH: the second argument of concat/,
    )
  })
})

describe('properties', () => {
  const session = newSession()

  it('lower(upper(x)) = lower(x) for ASCII', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary-ascii' }), { maxLength: 20 }), async (xs) => {
        const df = frame(
          session,
          { s: 'string' },
          xs.map((s) => ({ s })),
        )
        expect(await values(df, F.lower(F.upper('s')))).toEqual(xs.map((s) => s.toLowerCase()))
      }),
      { numRuns: 30 },
    )
  })

  it('length(substring(s, p, l)) matches the Spark range arithmetic, on code points', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.integer({ min: -15, max: 15 }),
        fc.integer({ min: -3, max: 15 }),
        async (s, p, l) => {
          const n = Array.from(s).length
          const start = p > 0 ? p - 1 : p < 0 ? n + p : 0
          const end = Math.min(start + l, n)
          const expected = Math.max(0, end - Math.max(start, 0))
          const df = frame(session, { s: 'string' }, [{ s }])
          expect(await values(df, F.length(F.substring('s', p, l)))).toEqual([expected])
        },
      ),
      { numRuns: 60 },
    )
  })

  it('split by a literal separator then array_join gives the string back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 20 }), async (s) => {
        const df = frame(session, { s: 'string' }, [{ s }])
        expect(await values(df, F.array_join(F.split('s', ','), ','))).toEqual([s])
      }),
      { numRuns: 40 },
    )
  })
})
