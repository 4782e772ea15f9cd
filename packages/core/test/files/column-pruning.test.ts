/**
 * Column pruning into the file source: a query that reads some columns makes the JSON,
 * CSV and Parquet readers build only those. Results must be what the documented rule says
 * (docs/sources-and-sinks.md, "Column pruning"):
 * - PERMISSIVE without the corrupt-record column: exactly the unpruned result;
 * - JSON, any mode: as if the schema named only the columns read;
 * - CSV, any mode: as if the unread columns were strings (split off, never converted);
 * - a query that reads the corrupt-record column is not pruned.
 */
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { col, type Session, schema } from '../../src/index.js'
import { Schema } from '../../src/types/schema.js'
import { Options } from '../../src/util/options.js'
import { newSession, tempDir } from '../helpers.js'

const RUNS = Number(process.env.CODEC_FUZZ_RUNS ?? 30)

const FIELDS = {
  id: 'long',
  n: 'int',
  ts: 'timestamp',
  user: 'string',
  amount: 'double',
  ok: 'boolean',
  _corrupt_record: 'string',
} as const
const S = schema(FIELDS)
const DATA = ['id', 'n', 'ts', 'user', 'amount', 'ok'] as const
const MODES = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'] as const

/** Text that fits each column, and text that does not fit some (or any) of them. */
const good: Record<(typeof DATA)[number], fc.Arbitrary<string>> = {
  id: fc.integer().map(String),
  n: fc.integer({ min: -1000, max: 1000 }).map(String),
  ts: fc
    .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
    .map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
  user: fc.string({ maxLength: 6 }).filter((s) => !/[",\n\r\\]/.test(s)),
  amount: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
  ok: fc.constantFrom('true', 'false'),
}
const bad = fc.constantFrom('x', '1.5', '99999999999999999999', 'tru', '2024-02-30', '--1', '')

const fieldText = (c: (typeof DATA)[number]) =>
  fc.oneof({ weight: 5, arbitrary: good[c] }, { weight: 1, arbitrary: bad })

/** One record as its field texts; sometimes a field short or long. */
const record = fc
  .tuple(...DATA.map(fieldText))
  .chain((fields) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(fields) },
      { weight: 1, arbitrary: fc.constant(fields.slice(0, -1)) },
      { weight: 1, arbitrary: fc.constant([...fields, 'extra']) },
    ),
  )

const jsonValue = (c: string, text: string): string => {
  if (text === '') return 'null'
  if (c === 'user' || c === 'ts') return JSON.stringify(text)
  // Numbers and booleans as JSON where they are JSON, else as strings (a type mismatch).
  try {
    JSON.parse(text)
    return text
  } catch {
    return JSON.stringify(text)
  }
}

const jsonLine = fc.oneof(
  {
    weight: 10,
    arbitrary: record.map(
      (f) => `{${f.map((t, i) => `"${DATA[i] ?? 'x'}":${jsonValue(DATA[i] ?? 'x', t)}`).join(',')}}`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"id":1,', '[1]', 'nope', '{"id":1,"user":{"a":1}}', '{"ok":tru}'),
  },
)
const csvLine = fc.oneof(
  { weight: 10, arbitrary: record.map((f) => f.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('"open,1', '1,"a""b",x') },
)

const projection = fc.subarray([...DATA], { minLength: 1 })

function write(lines: readonly string[], name: string): string {
  const dir = tempDir('tributary-prune-')
  writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`)
  return dir
}

type Outcome = { rows: string[] } | { error: string }

/** What the tests need of a DataFrame, whatever its row type. */
interface Frame {
  select(...cols: ReturnType<typeof col>[]): { collect(): Promise<unknown[]> }
}

async function outcome(df: () => { collect(): Promise<unknown[]> }): Promise<Outcome> {
  try {
    const rows = await df().collect()
    return { rows: rows.map((r) => JSON.stringify(r)).sort() }
  } catch (e) {
    return { error: (e as Error).message.split(':')[0] }
  }
}

function reader(session: Session, format: string, s: Schema<unknown>, mode: string, pruning: boolean) {
  return session.read.format(format).schema(s).option('mode', mode).option('columnPruning', pruning)
}

const narrowTo = (names: readonly string[]) => new Schema(S.fields.filter((f) => names.includes(f.name)))
const unreadAsStrings = (names: readonly string[]) =>
  new Schema(
    S.fields.map((f) =>
      names.includes(f.name) || f.name === '_corrupt_record'
        ? f
        : { ...f, type: { kind: 'string' as const } },
    ),
  )

describe('column pruning into the file source', () => {
  for (const format of ['json', 'csv'] as const) {
    it(`${format}: a pruned read gives what the rule says, in every mode (random projections and files)`, async () => {
      const session = newSession()
      await fc.assert(
        fc.asyncProperty(
          fc.array(format === 'json' ? jsonLine : csvLine, { minLength: 1, maxLength: 10 }),
          projection,
          fc.constantFrom(...MODES),
          async (lines, cols, mode) => {
            const dir = write(lines, `part.${format}`)
            const select = (df: Frame) => df.select(...cols.map((c) => col(c)))
            const pruned = await outcome(() => select(reader(session, format, S, mode, true).load(dir)))
            const reference = await outcome(() =>
              select(
                reader(
                  session,
                  format,
                  format === 'json' ? narrowTo(cols) : unreadAsStrings(cols),
                  mode,
                  false,
                ).load(dir),
              ),
            )
            expect(pruned).toEqual(reference)
            if (mode === 'PERMISSIVE') {
              const unpruned = await outcome(() => select(reader(session, format, S, mode, false).load(dir)))
              expect(pruned).toEqual(unpruned)
            }
          },
        ),
        { numRuns: RUNS },
      )
    })
  }

  it('json: a bad value in a column the query does not read does not drop the record (DROPMALFORMED)', async () => {
    const session = newSession()
    const dir = write(['{"id":1,"amount":"lots"}', '{"id":2,"amount":"none","n":"x"}', '{"id":3,'], 'a.json')
    const read = (pruning: boolean) =>
      reader(session, 'json', S, 'DROPMALFORMED', pruning).load(dir).select(col('id'))
    expect(await read(true).collect()).toEqual([{ id: 1 }, { id: 2 }])
    // The record that is not JSON at all is still malformed; unpruned, all three are.
    expect(await read(false).collect()).toEqual([])
  })

  it('csv: unread fields are not converted, but a wrong field count is still malformed', async () => {
    const session = newSession()
    const dir = write(
      ['1,x,2024-01-01 00:00:00,ann,oops,true', '2,3,nope,bob,1.5', '3,4,nope,cy,2.5,maybe'],
      'a.csv',
    )
    const read = (pruning: boolean) =>
      reader(session, 'csv', S, 'DROPMALFORMED', pruning).load(dir).select(col('id'), col('user'))
    expect(await read(true).collect()).toEqual([
      { id: 1, user: 'ann' },
      { id: 3, user: 'cy' },
    ])
    expect(await read(false).collect()).toEqual([])
  })

  it('a query that reads the corrupt-record column reads every column', async () => {
    const session = newSession()
    const dir = write(['{"id":1,"amount":"lots"}', '{"id":2}'], 'a.json')
    const df = reader(session, 'json', S, 'PERMISSIVE', true)
      .load(dir)
      .select(col('id'), col('_corrupt_record'))
    expect(await df.collect()).toEqual([
      { id: 1, _corrupt_record: '{"id":1,"amount":"lots"}' },
      { id: 2, _corrupt_record: null },
    ])
    expect(df.explain()).toContain(`ReadSchema: ${S.simpleString()}`)
  })

  it('explain shows the ReadSchema: the columns read, in schema order', () => {
    const session = newSession()
    const dir = write(['{}'], 'a.json')
    const df = session.read.format('json').schema(S).load(dir)
    const q = df.where(col('amount').gt(5)).groupBy('user').count()
    expect(q.explain()).toContain('ReadSchema: struct<user:string,amount:double>')
    expect(df.select(col('ts'), col('id')).explain()).toContain('ReadSchema: struct<id:long,ts:timestamp>')
    // Every column: a `*`, a row function, or the option turned off.
    expect(df.where(col('id').gt(1)).explain()).toContain(`ReadSchema: ${S.simpleString()}`)
    expect(
      session.read
        .format('json')
        .schema(S)
        .option('columnPruning', false)
        .load(dir)
        .select(col('id'))
        .explain(),
    ).toContain(`ReadSchema: ${S.simpleString()}`)
  })

  it('the reader builds no unread column: they come back null even where the file has values', async () => {
    const dir = write(['{"id":1,"user":"ann","amount":2.5}'], 'a.json')
    const result = await jsonFormat.read(path.join(dir, 'a.json'), S, new Options({}, 'test'), [
      'id',
      'amount',
    ])
    expect(result.batch.toRows()).toEqual([{ id: 1, amount: 2.5 }])
  })

  it('parquet: only the columns read are decoded, with the same values', async () => {
    const session = newSession()
    const src = write(
      ['{"id":1,"user":"ann","amount":2.5,"ok":true}', '{"id":2,"user":"bob","amount":0.5,"ok":false}'],
      'a.json',
    )
    const out = tempDir('tributary-prune-pq-')
    await session.read.format('json').schema(S).load(src).write.format('parquet').mode('overwrite').save(out)
    const pq = (pruning: boolean) =>
      session.read
        .format('parquet')
        .option('columnPruning', pruning)
        .load(out)
        .where(col('amount').gt(1))
        .select(col('user'))
    expect(await pq(true).collect()).toEqual([{ user: 'ann' }])
    expect(await pq(true).collect()).toEqual(await pq(false).collect())
    expect(pq(true).explain()).toContain('ReadSchema: struct<user:string,amount:double>')
    // A column declared with a type the file cannot give fails only when it is read.
    const mistyped = (pruning: boolean) =>
      session.read
        .format('parquet')
        .schema(schema({ id: 'long', user: 'string', ok: 'string' }))
        .option('columnPruning', pruning)
        .load(out)
        .select(col('user'))
    expect(await mistyped(true).collect()).toEqual([{ user: 'ann' }, { user: 'bob' }])
    await expect(mistyped(false).collect()).rejects.toThrow(/PARQUET_SCHEMA_MISMATCH/)
  })

  it('a streaming query prunes too', async () => {
    const session = newSession()
    const dir = write(['{"id":1,"amount":"lots"}', '{"id":2,"amount":3}'], 'a.json')
    const q = await session.readStream
      .format('json')
      .schema(S)
      .option('mode', 'DROPMALFORMED')
      .load(dir)
      .select(col('id'))
      .writeStream.format('memory')
      .queryName('pruned')
      .option('checkpointLocation', tempDir())
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect(await session.table('pruned').collect()).toEqual([{ id: 1 }, { id: 2 }])
  })
})
