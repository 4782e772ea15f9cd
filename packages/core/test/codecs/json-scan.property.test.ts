/**
 * The schema-directed JSON Lines scanner against the general path (JSON.parse per line),
 * which `lineSep: '\n'` forces on the same bytes: on generated files of good records, near
 * misses and garbage, both give the same rows, the same malformed count and the same dead
 * letters, under each mode.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { JsonLineScanner } from '../../src/formats/codecs/json-scan.js'
import { schema } from '../../src/types/schema.js'
import { fileWith, options } from './codec-helpers.js'

const RUNS = Number(process.env.CODEC_FUZZ_RUNS ?? 100)

const S = schema({
  id: 'long',
  n: 'int',
  ts: 'timestamp',
  d: 'date',
  user: 'string',
  amount: 'double',
  ok: 'boolean',
  tags: { array: 'string' },
  _corrupt_record: 'string',
})

const jsonValue = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    'false',
    '0',
    '-0',
    '01',
    '1.',
    '-',
    '1e',
    '1e400',
    '.5',
    '"NaN"',
    '{}',
    '[]',
    '[1,2]',
    '{"a":{"b":1}}',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom(
    '"a\\"b"',
    '"\\u00e9"',
    '"\\x"',
    '"tab\there"',
    '"2024-01-15T10:00:00Z"',
    '"2024-02-30"',
    '"2024-01-15"',
    '"+99:99"',
  ),
  fc
    .date({ min: new Date(-1e13), max: new Date(1e13), noInvalidDate: true })
    .map((d) => JSON.stringify(d.toISOString())),
)

const KEYS = [
  'id',
  'n',
  'ts',
  'd',
  'user',
  'amount',
  'ok',
  'tags',
  'other',
  '_corrupt_record',
  'ID',
  '__proto__',
  'i\\u0064',
]

const record = fc
  .array(fc.tuple(fc.constantFrom(...KEYS), jsonValue, fc.constantFrom('', ' ', '\t')), { maxLength: 9 })
  .map((fields) => `{${fields.map(([k, v, ws]) => `${ws}"${k}"${ws}:${ws}${v}${ws}`).join(',')}}`)

const line = fc.oneof(
  { weight: 6, arbitrary: record },
  { weight: 1, arbitrary: record.map((r) => `  ${r}  `) },
  { weight: 1, arbitrary: record.map((r) => r.slice(0, -1)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '   ', '[1]', '"x"', 'null', '{"id":1}{"id":2}', '{"id":1,}', '{,}'),
  },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 20 }).filter((s) => !s.includes('\n') && !s.includes('\r')),
  },
)

async function readBoth(text: string, mode: string) {
  const file = fileWith(text, 'data.json')
  const fast = await jsonFormat.read(file, S, options({ mode }))
  const general = await jsonFormat.read(file, S, options({ mode, lineSep: '\n' }))
  return { fast, general }
}

describe('json scanner', () => {
  for (const mode of ['PERMISSIVE', 'DROPMALFORMED']) {
    it(`reads what JSON.parse reads, under ${mode}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(line, { maxLength: 12 }), fc.boolean(), async (lines, trailing) => {
          const text = lines.join('\n') + (trailing ? '\n' : '')
          const { fast, general } = await readBoth(text, mode)
          expect(fast.batch.toRows()).toEqual(general.batch.toRows())
          expect(fast.droppedMalformed).toBe(general.droppedMalformed)
          expect(fast.deadLetters ?? []).toEqual(general.deadLetters ?? [])
        }),
        { numRuns: RUNS },
      )
    })
  }

  it('takes flat records itself, keys in any order, and gives up nested values in a column', () => {
    const scanner = new JsonLineScanner(
      S.fields.slice(0, 8).map((f, index) => ({ index, name: f.name, type: f.type })),
      (t) => Date.parse(t),
      (t) => Date.parse(t),
    )
    const target = {
      values: new Array<unknown>(9).fill(null),
      numbers: new Float64Array(9),
      numberSet: new Uint8Array(9),
    }
    const ok = '{"user":"Ann","id":12,"amount":-0.25e2,"ts":"2024-01-15T10:00:00Z","skip":"a\\"b","ok":false}'
    expect(scanner.scan(ok, 0, ok.length, target)).toBe(true)
    expect([target.values[4], target.numbers[0], target.numbers[5], target.values[6]]).toEqual([
      'Ann',
      12,
      -25,
      false,
    ])
    expect(target.numbers[2]).toBe(Date.parse('2024-01-15T10:00:00Z'))
    const nested = '{"tags":["a"]}'
    expect(scanner.scan(nested, 0, nested.length, target)).toBe(false)
  })

  it('takes the ordinary records itself, with keys in any order', async () => {
    const text = [
      '{"id":1,"ts":"2024-01-15T10:00:00.123Z","user":"Ann","amount":2.5,"ok":true,"extra":{"x":[1,"]"]}}',
      '{"amount":-0.25e2,"user":"Bo","id":9007199254740991,"ts":null}',
    ].join('\n')
    const { fast, general } = await readBoth(text, 'FAILFAST').catch(() => ({ fast: null, general: null }))
    // A nested unknown field goes to the general path, which reads it the same way.
    expect(fast?.batch.toRows()).toEqual(general?.batch.toRows())
    expect(fast?.batch.numRows).toBe(2)
  })
})
