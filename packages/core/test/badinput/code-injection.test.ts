/**
 * Code safety: expressions compile to closures over column arrays, never to generated
 * source text, so what a user (or their data) puts in column names, literals, regexes,
 * format strings and JSON paths is data, never code. Each case below would run
 * `process.exit(1)` or touch a global if it were spliced into JavaScript source.
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { col, functions as F, lit, Schema, StringType } from '../../src/index.js'
import { newSession } from '../helpers.js'

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p)
    return /\.(ts|js|mjs)$/.test(e.name) ? [p] : []
  })
}

const EXIT = "a'); process.exit(1); ('"
/** A template literal placeholder, written out so that it is text here too. */
const PLACEHOLDER = `$${'{'}process.exit(1)}`
const TEMPLATE = PLACEHOLDER
const BACKTICK = '`); globalThis.pwned = 1; (`'

let exit: ReturnType<typeof vi.spyOn>
beforeEach(() => {
  exit = vi.spyOn(process, 'exit').mockImplementation((() => {
    throw new Error('process.exit was called: injected code ran')
  }) as never)
})
afterEach(() => {
  exit.mockRestore()
  delete (globalThis as Record<string, unknown>).pwned
})

describe('no code generation in the library', () => {
  it('no `new Function`, `Function(...)`, `eval` or `vm` in packages/*/src', () => {
    const offenders: string[] = []
    for (const dir of readdirSync(packagesDir)) {
      const src = path.join(packagesDir, dir, 'src')
      let files: string[] = []
      try {
        files = sources(src)
      } catch {
        continue
      }
      for (const file of files) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '')
            if (
              /\bnew\s+Function\b|(^|[^\w.])Function\s*\(|\beval\s*\(|\bnode:vm\b|\bfrom\s+['"]vm['"]|runIn(New|This)?Context/.test(
                code,
              )
            ) {
              offenders.push(`${path.relative(packagesDir, file)}:${i + 1}: ${line.trim()}`)
            }
          })
      }
    }
    expect(offenders).toEqual([])
  })
})

describe('user text is data, never code', () => {
  it('column names that look like code select, filter, group and write like any other', async () => {
    const session = newSession()
    const names = [EXIT, TEMPLATE, BACKTICK, '__proto__', 'constructor', 'toString', 'a"b', 'x\ny', '']
    const s = new Schema(names.map((name) => ({ name, type: StringType, nullable: true })))
    const row = Object.fromEntries(names.map((n, i) => [n, `v${i}`]))
    const df = session.createDataFrame([row], s)
    for (const [i, name] of names.entries()) {
      const out = await df
        .select(col(name))
        .where(col(name).eq(`v${i}`))
        .collect()
      expect(out.map((r) => (r as Record<string, unknown>)[name])).toEqual([`v${i}`])
    }
    const grouped = await df.groupBy(col(EXIT)).count().collect()
    expect(grouped).toEqual([{ [EXIT]: 'v0', count: 1 }])
    const renamed = await df.select(col(TEMPLATE).alias(BACKTICK)).collect()
    expect(renamed).toEqual([{ [BACKTICK]: 'v1' }])
    expect(Object.prototype).not.toHaveProperty('v3')
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined()
  })

  it('string literals are values', async () => {
    const session = newSession()
    const out = await session
      .range(1)
      .select(lit(EXIT).alias('a'), lit(TEMPLATE).alias('b'), F.concat(lit(BACKTICK), lit('\\')).alias('c'))
      .collect()
    expect(out).toEqual([{ a: EXIT, b: TEMPLATE, c: `${BACKTICK}\\` }])
  })

  it('regexes are patterns: code in them is matched as text, and backtracking-prone ones only match', async () => {
    const session = newSession()
    const df = session.createDataFrame(
      [{ s: 'aaaaaaaaaaaa!' }, { s: '/x/; process.exit(1); //' }, { s: TEMPLATE }],
      new Schema([{ name: 's', type: StringType, nullable: true }]),
    )
    const out = await df
      .select(
        col('s').rlike('(a+)+$').alias('evil'),
        col('s').rlike('/x/; process\\.exit\\(1\\); //').alias('slashes'),
        F.regexp_replace(col('s'), '\\$\\{(.*)\\}', '[$1]').alias('replaced'),
        F.regexp_extract(col('s'), "'\\); (process)", 1).alias('extracted'),
      )
      .collect()
    expect(out).toEqual([
      { evil: false, slashes: false, replaced: 'aaaaaaaaaaaa!', extracted: '' },
      { evil: false, slashes: true, replaced: '/x/; process.exit(1); //', extracted: '' },
      { evil: false, slashes: false, replaced: '[process.exit(1)]', extracted: '' },
    ])
  })

  it('format strings: date patterns and format_string print code as text', async () => {
    const session = newSession()
    const out = await session
      .range(1)
      .select(
        F.date_format(lit(new Date(Date.UTC(2026, 0, 2))), `yyyy-MM-dd '${PLACEHOLDER}'`).alias('d'),
        F.format_string(`%s ${PLACEHOLDER} %s`, lit(EXIT), lit(BACKTICK)).alias('f'),
      )
      .collect()
    expect(out).toEqual([{ d: `2026-01-02 ${PLACEHOLDER}`, f: `${EXIT} ${PLACEHOLDER} ${BACKTICK}` }])
  })

  it('JSON paths and JSON text cannot reach code or prototypes', async () => {
    const session = newSession()
    const json = '{"a":{"b":1},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'
    const df = session.createDataFrame(
      [{ j: json }],
      new Schema([{ name: 'j', type: StringType, nullable: true }]),
    )
    const out = await df
      .select(
        F.get_json_object(col('j'), '$.a.b').alias('ok'),
        F.get_json_object(col('j'), "$['constructor']['prototype']").alias('proto'),
        F.get_json_object(col('j'), "$.a'); process.exit(1); ('").alias('evil'),
        F.get_json_object(col('j'), '$.__proto__').alias('dunder'),
      )
      .collect()
    // Keys are looked up as the document's own fields: `__proto__` and `constructor` are its data.
    expect(out).toEqual([{ ok: '1', proto: '{"polluted":true}', evil: null, dunder: '{"polluted":true}' }])
    const parsed = await df
      .select(F.from_json(col('j'), new Schema([{ name: 'a', type: StringType, nullable: true }])).alias('p'))
      .collect()
    expect(parsed).toHaveLength(1)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })
})
