import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileGlob, isGlob } from '../../src/formats/files/glob.js'
import {
  DEFAULT_PARTITION_NAME,
  escapePathName,
  inferPartitionType,
  partitionSegments,
  partitionValue,
  unescapePathName,
} from '../../src/formats/files/partitions.js'
import { typeToString } from '../../src/index.js'

describe('partition folder names', () => {
  it('escape and unescape are inverse, and escaped values never split a path', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const escaped = escapePathName(value)
        expect(unescapePathName(escaped)).toBe(value)
        expect(escaped).not.toMatch(/[/=\\:]/)
      }),
    )
  })

  it("escapes as Spark does: '/' '=' '%' ':' and control characters, nothing else", () => {
    expect(escapePathName('a/b=c%d:e\tf g-é')).toBe('a%2Fb%3Dc%25d%3Ae%09f g-é')
  })

  it('reads the col=value folders between the root and the file', () => {
    const root = path.join(path.sep, 'data')
    const file = path.join(root, 'year=2024', 'plain', 'c%3Dd=x%2Fy', 'f.json')
    expect(partitionSegments(root, file)).toEqual([
      { column: 'year', raw: '2024' },
      { column: 'c=d', raw: 'x%2Fy' },
    ])
    expect(partitionSegments(root, path.join(root, 'f.json'))).toEqual([])
  })

  it('infers the narrowest type that holds every value', () => {
    const infer = (...raws: string[]) => typeToString(inferPartitionType(raws))
    expect(infer('1', '-20', DEFAULT_PARTITION_NAME)).toBe('int')
    expect(infer('1', '3000000000')).toBe('long')
    expect(infer('1', '2.5', '1e3')).toBe('double')
    expect(infer('1', 'x')).toBe('string')
    expect(infer('2024-01-01')).toBe('string')
    expect(infer(DEFAULT_PARTITION_NAME)).toBe('string')
  })

  it('types values as asked; what does not parse is null, like a cast', () => {
    const t = (kind: string) => ({ kind }) as Parameters<typeof partitionValue>[1]
    expect(partitionValue('42', t('int'))).toBe(42)
    expect(partitionValue('x', t('int'))).toBeNull()
    expect(partitionValue('true', t('boolean'))).toBe(true)
    expect(partitionValue('a%2Fb', t('string'))).toBe('a/b')
    expect(partitionValue(DEFAULT_PARTITION_NAME, t('string'))).toBeNull()
    expect(partitionValue('2024-03-01', t('date'))).toBe(Date.UTC(2024, 2, 1))
  })
})

describe('glob paths', () => {
  const base = path.join(path.sep, 'in')
  const matches = (pattern: string, relative: string) =>
    compileGlob(path.join(base, ...pattern.split('/'))).matches(relative)

  it('knows a glob when it sees one', () => {
    expect(isGlob('/data/*.json')).toBe(true)
    expect(isGlob('/data/{a,b}')).toBe(true)
    expect(isGlob('/data/in')).toBe(false)
  })

  it('starts listing at the folder before the first wildcard', () => {
    const g = compileGlob(path.join(base, 'x', '*', 'y', '*.json'))
    expect(g.base).toBe(path.join(base, 'x'))
    expect(g.maxDepth).toBe(3)
    expect(compileGlob(path.join(base, '**', '*.json')).maxDepth).toBe(Number.POSITIVE_INFINITY)
  })

  it.each([
    ['*.json', 'a.json', true],
    ['*.json', 'sub/a.json', false],
    ['*.json', 'a.jsonl', false],
    ['**/*.json', 'a.json', true],
    ['**/*.json', 'x/y/z/a.json', true],
    ['x/**', 'x/y/z', true],
    ['?.csv', 'a.csv', true],
    ['?.csv', 'ab.csv', false],
    ['[ab]*.txt', 'b1.txt', true],
    ['[!ab]*.txt', 'b1.txt', false],
    ['[!ab]*.txt', 'c1.txt', true],
    ['{logs,events}/*.json', 'events/1.json', true],
    ['{logs,events}/*.json', 'other/1.json', false],
    ['a.b*', 'aXb', false],
    ['day=*/*.json', 'day=1/x.json', true],
  ])('%s matches %s: %s', (pattern, relative, expected) => {
    expect(matches(pattern, relative)).toBe(expected)
  })
})
