/** docs/sql.md moves with the code: every function SQL can call by its `functions` name is listed there. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { functions as F } from '../../src/index.js'

const doc = readFileSync(fileURLToPath(new URL('../../../../docs/sql.md', import.meta.url)), 'utf8')
const section = doc.slice(doc.indexOf('## Functions'), doc.indexOf('## Types'))
/** Builders that are not SQL functions, and the camelCase spellings of listed ones. */
const notListed = new Set([
  'col',
  'column',
  'lit',
  'when',
  'udf',
  'broadcast',
  'expr',
  'interval',
  'asc',
  'desc',
  'expr_not',
  'countDistinct',
  'approxCountDistinct',
])

describe('docs/sql.md', () => {
  it('lists every function of the functions module that SQL can call', () => {
    const names = Object.entries(F)
      .filter(([name, value]) => typeof value === 'function' && !notListed.has(name))
      .map(([name]) => name)
    const missing = names.filter((n) => !section.includes(`\`${n}\``) && !section.includes(`\`${n}(`))
    expect(missing).toEqual([])
  })
})
