/**
 * The schema-directed CSV line scanner against the general path (a field array per line
 * through csv-values), which `lineSep: '\n'` forces on the same bytes: generated files of
 * good lines, near misses, quotes and garbage give the same rows, malformed count and dead
 * letters, with and without a header, under each mode.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvFormat } from '../../src/formats/codecs/csv.js'
import { schema } from '../../src/types/schema.js'
import { fileWith, options } from './codec-helpers.js'

const RUNS = Number(process.env.CODEC_FUZZ_RUNS ?? 100)

const S = schema({
  id: 'long',
  n: 'int',
  ts: 'timestamp',
  user: 'string',
  amount: 'double',
  ok: 'boolean',
  d: 'date',
  _corrupt_record: 'string',
})

const field = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'NaN',
    'Inf',
    '-Inf',
    'null',
    'true',
    'False',
    '+',
    '-',
    '.',
    '1.',
    '.5',
    '+.5',
    '-0',
    '1e3',
    ' 7',
    '00012',
  ),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.string({ maxLength: 6 }).filter((s) => !/[\n\r]/.test(s)),
  fc.constantFrom(
    '"quoted"',
    '"a,b"',
    'x"y',
    '2024-01-15 10:00:00.123',
    '2024-01-15',
    '2024-02-30',
    '2024-01-15T10:00:00+99:99',
  ),
  fc.date({ min: new Date(-1e13), max: new Date(1e13), noInvalidDate: true }).map((d) => d.toISOString()),
)

const line = fc.oneof(
  { weight: 6, arbitrary: fc.array(field, { minLength: 7, maxLength: 7 }).map((f) => f.join(',')) },
  { weight: 2, arbitrary: fc.array(field, { minLength: 0, maxLength: 9 }).map((f) => f.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t') },
)

async function readBoth(text: string, o: Record<string, string | boolean>) {
  const file = fileWith(text, 'data.csv')
  const fast = await csvFormat.read(file, S, options(o))
  const general = await csvFormat.read(file, S, options({ ...o, lineSep: '\n' }))
  return { fast, general }
}

describe('csv scanner', () => {
  for (const mode of ['PERMISSIVE', 'DROPMALFORMED']) {
    for (const header of [false, true]) {
      it(`reads what the general path reads, under ${mode}${header ? ', with a header' : ''}`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(line, { maxLength: 10 }), fc.boolean(), async (lines, trailing) => {
            const text = lines.join('\n') + (trailing ? '\n' : '')
            const { fast, general } = await readBoth(text, { mode, header })
            expect(fast.batch.toRows()).toEqual(general.batch.toRows())
            expect(fast.droppedMalformed).toBe(general.droppedMalformed)
            expect(fast.deadLetters ?? []).toEqual(general.deadLetters ?? [])
          }),
          { numRuns: RUNS },
        )
      })
    }
  }

  it('reads a nullValue and other timestamps the same way', async () => {
    const text = 'NA,1,2024-01-15 10:00:00,NA,2.5,true,2024-01-15\n7,NA,NA,bob,NA,NA,NA\n'
    const { fast, general } = await readBoth(text, { nullValue: 'NA' })
    expect(fast.batch.toRows()).toEqual(general.batch.toRows())
    expect(fast.batch.numRows).toBe(2)
  })
})
