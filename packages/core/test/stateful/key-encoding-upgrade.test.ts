/**
 * State written by a Tributary whose key text was JSON's (key-text version 1: NaN, Infinity
 * and -Infinity all written `null`) keeps its keys after the upgrade to the exact text. The
 * checkpoints here are made as the old code made them: a first run writes the checkpoint,
 * then its state is replaced by the entries the old code wrote for the same rows (its
 * layout, read from git history: dedup `JSON.stringify(keyValues)` → expiry; join buckets
 * `L`/`R` + that text → `{ rows: [{ v, m }], t }` beside `#meta`).
 */
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AddData,
  BetweenRuns,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { keyTextOfValues, legacyKeyReadings } from '../../src/exec/dedup-key.js'
import { col, type DataFrame, MemoryStream, schema } from '../../src/index.js'
import { stateStoreProvider } from '../../src/state/providers.js'
import { OperatorState } from '../../src/state/state-manager.js'
import type { StateStore } from '../../src/state/state-store.js'
import { newSession } from '../helpers.js'

const PROVIDERS = ['memory', 'lmdb', 'level'] as const
type Row = Record<string, unknown>
/** tributary.sql.shuffle.partitions' default: the stores of one operator. */
const PARTITIONS = 4

/** Replaces operator 0's state version 1 with `entries`, routed to partitions as the old code routed its keys. */
async function writeOldState(
  checkpoint: string,
  provider: string,
  entries: [string, unknown][],
): Promise<void> {
  const p = stateStoreProvider((k) => (k === 'tributary.stateStore.provider' ? provider : undefined))
  const root = path.join(checkpoint, 'state')
  const stores: StateStore[] = []
  // Version 0 (empty): the first run's version 1 is written again.
  for (let i = 0; i < PARTITIONS; i++) stores.push(await p.load(root, 0, i, 0))
  const state = new OperatorState(0, stores)
  for (const [k, v] of entries) state.put(k, v)
  for (const s of stores) await s.commit()
  await p.close?.()
}

describe.each(PROVIDERS)('state of key-text version 1 on the %s state store', (provider) => {
  // LevelDB locks a partition's folder to the worker thread that holds it, and the upgrade
  // reads every partition: the level run upgrades on one thread, as the docs advise.
  const conf = {
    'tributary.stateStore.provider': provider,
    ...(provider === 'level' ? { 'tributary.executor.threads': '1' } : {}),
  }

  it('dropDuplicates: a key seen as `null` stays seen for null, NaN and ±Infinity', async () => {
    const session = newSession(conf)
    const input = new MemoryStream(session, schema({ x: 'double' })) as unknown as MemoryStream<Row>
    await testStream(
      input.toDF().dropDuplicates(['x']) as DataFrame<unknown>,
      { outputMode: 'append' },
      AddData(input, { x: 1 }),
      CheckNewAnswer({ x: 1 }),
      StopStream,
      // The old code had seen 1 and NaN (JSON: null) when it stopped.
      BetweenRuns(({ checkpointLocation }) =>
        writeOldState(checkpointLocation, provider, [
          ['[1]', 0],
          ['[null]', 0],
        ]),
      ),
      StartStream(),
      AddData(
        input,
        { x: Number.NaN },
        { x: Number.POSITIVE_INFINITY },
        { x: Number.NEGATIVE_INFINITY },
        { x: null },
        { x: 1 },
        { x: 2 },
      ),
      // The old store could not tell which of the four it saw: none is new.
      CheckNewAnswer({ x: 2 }),
      StopStream,
      StartStream(),
      AddData(input, { x: Number.NaN }, { x: 2 }, { x: 3 }),
      CheckNewAnswer({ x: 3 }),
    )
  })

  it('stream-stream join: stored NaN and ±Infinity keys match new rows with those keys', async () => {
    const session = newSession(conf)
    const left = new MemoryStream(
      session,
      schema({ k: 'double', a: 'string' }),
    ) as unknown as MemoryStream<Row>
    const right = new MemoryStream(
      session,
      schema({ kb: 'double', b: 'string' }),
    ) as unknown as MemoryStream<Row>
    const nan = { k: Number.NaN, a: 'nan' }
    const inf = { k: Number.POSITIVE_INFINITY, a: 'inf' }
    const ninf = { k: Number.NEGATIVE_INFINITY, a: '-inf' }
    const five = { k: 5, a: 'five' }
    await testStream(
      left.toDF().join(right.toDF(), col('k').eq(col('kb'))) as DataFrame<unknown>,
      { outputMode: 'append' },
      AddData(left, five),
      CheckNewAnswer(),
      StopStream,
      // The old code stored NaN, Infinity and -Infinity rows in one bucket, `L[null]`.
      BetweenRuns(({ checkpointLocation }) =>
        writeOldState(checkpointLocation, provider, [
          ['#meta', { l: 4, r: 0, el: 0, er: 0 }],
          [
            'L[null]',
            {
              rows: [nan, inf, ninf].map((r) => ({ v: [r.k, r.a], m: false })),
              t: null,
            },
          ],
          ['L[5]', { rows: [{ v: [5, 'five'], m: false }], t: null }],
        ]),
      ),
      StartStream(),
      AddData(
        right,
        { kb: Number.NaN, b: 'x' },
        { kb: Number.POSITIVE_INFINITY, b: 'y' },
        { kb: Number.NEGATIVE_INFINITY, b: 'w' },
        { kb: 5, b: 'z' },
        { kb: null, b: 'n' },
      ),
      CheckNewAnswer(
        { ...nan, kb: Number.NaN, b: 'x' },
        { ...inf, kb: Number.POSITIVE_INFINITY, b: 'y' },
        { ...ninf, kb: Number.NEGATIVE_INFINITY, b: 'w' },
        { ...five, kb: 5, b: 'z' },
      ),
      // The moved rows are stored under their new keys: a restart finds them there.
      StopStream,
      StartStream(),
      AddData(right, { kb: Number.NaN, b: 'x2' }, { kb: Number.NEGATIVE_INFINITY, b: 'w2' }),
      CheckNewAnswer({ ...nan, kb: Number.NaN, b: 'x2' }, { ...ninf, kb: Number.NEGATIVE_INFINITY, b: 'w2' }),
    )
  })
})

describe('readings of a key-text version 1 key', () => {
  it('are every key the old text stood for, each with its own text now (property)', () => {
    const numberOrNull = fc.oneof(fc.double(), fc.constant(null))
    const column = fc.oneof(
      numberOrNull.map((v) => ({ numeric: true, v })),
      fc.oneof(fc.string(), fc.constant(null)).map((v) => ({ numeric: false, v })),
    )
    fc.assert(
      fc.property(fc.array(column, { minLength: 1, maxLength: 4 }), (cols) => {
        const numeric = cols.map((c) => c.numeric)
        // What the old code stored, read back as the upgrade reads it.
        const old = JSON.stringify(cols.map((c) => c.v))
        const readings = legacyKeyReadings(JSON.parse(old) as unknown[], numeric)
        for (const r of readings) expect(JSON.stringify(r)).toBe(old)
        const texts = new Set(readings.map(keyTextOfValues))
        expect(texts.size).toBe(readings.length)
        const ambiguous = (JSON.parse(old) as unknown[]).filter((v, k) => numeric[k] && v === null).length
        expect(readings.length).toBe(4 ** ambiguous)
        // The first reading is the key as stored (exact where no number was NaN or ±Infinity).
        expect(keyTextOfValues(readings[0])).toBe(old)
      }),
    )
  })
})
