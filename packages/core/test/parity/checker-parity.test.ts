/**
 * The unsupported-operation checker against Spark 3.5/4.0's UnsupportedOperationChecker,
 * both ways: what Spark refuses is refused at start() with a rule naming code, and what
 * Spark runs starts (and gives answers).
 */
import { describe, expect, it } from 'vitest'
import { AddData, CheckNewAnswer, testStream } from '../../../testing/src/index.js'
import {
  col,
  count,
  type DataFrame,
  functions as F,
  type GroupState,
  MemoryStream,
  type OutputMode,
  type Session,
  schema,
} from '../../src/index.js'
import { newSession } from '../helpers.js'

const events = schema({ user: 'string', ts: 'timestamp', v: 'long' })
type Ev = { user: string; ts: Date; v: number }
const keyed = schema({ user: 'string', n: 'long' })

function stream(session: Session): DataFrame<Ev> {
  return new MemoryStream(session, events).toDF()
}

/** Starts the query on a memory sink; resolves to the error code, or null when it started. */
async function startCode<T>(df: DataFrame<T>, mode: OutputMode): Promise<string | null> {
  try {
    const q = await df.writeStream
      .outputMode(mode)
      .format('memory')
      .queryName(`q${Math.random().toString(36).slice(2)}`)
      .start()
    await q.stop()
    return null
  } catch (e) {
    return (e as { code?: string }).code ?? String(e)
  }
}

const countRows =
  (
    mode: 'append' | 'update',
    timeout: 'NoTimeout' | 'EventTimeTimeout' | 'ProcessingTimeTimeout' = 'NoTimeout',
  ) =>
  (df: DataFrame<Ev>) =>
    df
      .groupByKey((r) => r.user)
      .flatMapGroupsWithState(
        mode,
        timeout,
        (user: string, rows: Ev[], state: GroupState<number>) => {
          state.update((state.getOption() ?? 0) + rows.length)
          return [{ user, n: rows.length }]
        },
        keyed,
      )

const mapRows = (df: DataFrame<Ev>) =>
  df
    .groupByKey((r) => r.user)
    .mapGroupsWithState('NoTimeout', (user: string, rows: Ev[]) => ({ user, n: rows.length }), keyed)

describe('refused, as Spark refuses', () => {
  it('a second withWatermark over rows that have one, unless allowMultiple is off', async () => {
    const s = newSession()
    const twice = stream(s).withWatermark('ts', '10 seconds').withWatermark('ts', '20 seconds')
    expect(await startCode(twice, 'append')).toBe('STREAMING_WATERMARK_REDEFINED')
    const legacy = newSession({ 'tributary.sql.streaming.statefulOperator.allowMultiple': 'false' })
    expect(
      await startCode(
        stream(legacy).withWatermark('ts', '10 seconds').withWatermark('ts', '20 seconds'),
        'append',
      ),
    ).toBe(null)
  })

  it('session windows in update mode, and a session window as the only grouping key', async () => {
    const s = newSession()
    const byUser = stream(s)
      .groupBy('user', F.session_window(col('ts'), '5 seconds'))
      .count()
    expect(await startCode(byUser, 'update')).toBe('STREAMING_SESSION_WINDOW_UPDATE_MODE')
    expect(await startCode(byUser, 'complete')).toBe(null)
    const global = stream(s)
      .groupBy(F.session_window(col('ts'), '5 seconds'))
      .count()
    expect(await startCode(global, 'complete')).toBe('STREAMING_SESSION_WINDOW_WITHOUT_KEY')
  })

  it('a sort below the aggregation in complete mode', async () => {
    const s = newSession()
    expect(await startCode(stream(s).orderBy('v').groupBy('user').count(), 'complete')).toBe(
      'STREAMING_SORT_NOT_SUPPORTED',
    )
    expect(await startCode(stream(s).groupBy('user').count().orderBy('user'), 'complete')).toBe(null)
  })

  it('flatMapGroupsWithState(update) with an aggregation, in any output mode', async () => {
    const s = newSession()
    const afterAgg = (df: DataFrame<Ev>) => countRows('update')(df).groupBy('user').agg(count().alias('c'))
    for (const mode of ['update', 'complete'] as const)
      expect(await startCode(afterAgg(stream(s)), mode)).toBe('GROUPS_WITH_STATE_OUTPUT_MODE')
  })

  it('two flatMapGroupsWithState(update), two mapGroupsWithState, or one of each', async () => {
    const s = newSession()
    const twoFlat = countRows('update')(
      countRows('update')(stream(s)).select(
        'user',
        col('n').alias('v'),
        F.lit(new Date(0)).alias('ts'),
      ) as DataFrame<Ev>,
    )
    expect(await startCode(twoFlat, 'update')).toBe('STREAMING_MULTIPLE_FLAT_MAP_GROUPS_WITH_STATE')
    const asEv = (df: DataFrame<{ user: string; n: number }>) =>
      df.select('user', col('n').alias('v'), F.lit(new Date(0)).alias('ts')) as DataFrame<Ev>
    expect(await startCode(mapRows(asEv(mapRows(stream(s)))), 'update')).toBe(
      'STREAMING_MULTIPLE_MAP_GROUPS_WITH_STATE',
    )
    expect(await startCode(mapRows(asEv(countRows('update')(stream(s)))), 'update')).toBe(
      'STREAMING_MIXED_GROUPS_WITH_STATE',
    )
  })

  it('stateful operators after one that can emit rows behind the watermark (Spark’s global watermark limit)', async () => {
    const s = newSession()
    const watermarked = () => stream(s).withWatermark('ts', '10 seconds')
    const asEv = (df: DataFrame<{ user: string; n: number }>) =>
      df.select('user', col('n').alias('v'), F.lit(new Date(0)).alias('ts')) as DataFrame<Ev>
    // mapGroupsWithState after an aggregation in update mode.
    const counted = watermarked()
      .groupBy('user', F.window(col('ts'), '5 seconds'))
      .agg(count().alias('n'))
      .select('user', 'n')
    expect(await startCode(mapRows(asEv(counted as DataFrame<{ user: string; n: number }>)), 'update')).toBe(
      'STREAMING_STATEFUL_OPERATOR_CHAIN',
    )
    // An aggregation after an event-time-timeout flatMapGroupsWithState.
    const eventTimeout = countRows('append', 'EventTimeTimeout')(watermarked())
    expect(await startCode(eventTimeout.groupBy('user').count(), 'complete')).toBe(
      'STREAMING_STATEFUL_OPERATOR_CHAIN',
    )
    // Event-time deduplication after an update-mode aggregation.
    const windowed = watermarked().groupBy('user', 'ts').agg(count().alias('n'))
    expect(await startCode(windowed.dropDuplicates(['user', 'ts']), 'update')).toBe(
      'STREAMING_STATEFUL_OPERATOR_CHAIN',
    )
    // The switch turns the refusal into a warning, through the session's logger.
    const lax = newSession({
      'tributary.sql.streaming.statefulOperator.checkCorrectness.enabled': 'false',
      'tributary.log.level': 'warn',
    })
    const warnings: string[] = []
    const ignore = () => {}
    lax.useLogger({ debug: ignore, info: ignore, warn: (m: string) => warnings.push(m), error: ignore })
    const laxTimeout = countRows(
      'append',
      'EventTimeTimeout',
    )(new MemoryStream(lax, events).toDF().withWatermark('ts', '10 seconds'))
    expect(await startCode(laxTimeout.groupBy('user').count(), 'complete')).not.toBe(
      'STREAMING_STATEFUL_OPERATOR_CHAIN',
    )
    expect(warnings.filter((m) => m.includes('can emit rows older than the current watermark'))).toHaveLength(
      1,
    )
  })
})

describe('accepted, as Spark accepts', () => {
  it('flatMapGroupsWithState(append) below an aggregation in update and complete mode', async () => {
    const s = newSession()
    const input = new MemoryStream(s, events)
    const perUser = countRows('append')(input.toDF()).groupBy('user').agg(F.sum('n').alias('total'))
    await testStream(
      perUser,
      { outputMode: 'update' },
      AddData(
        input,
        { user: 'a', ts: new Date(0), v: 1 },
        { user: 'a', ts: new Date(1), v: 2 },
        { user: 'b', ts: new Date(2), v: 3 },
      ),
      CheckNewAnswer({ user: 'a', total: 2 }, { user: 'b', total: 1 }),
      AddData(input, { user: 'a', ts: new Date(3), v: 4 }),
      CheckNewAnswer({ user: 'a', total: 3 }),
    )
    expect(await startCode(countRows('append')(stream(s)).groupBy('user').count(), 'complete')).toBe(null)
  })

  it('outer and semi joins with the watermark on only one side’s join key', async () => {
    const s = newSession()
    for (const how of ['left_outer', 'right_outer', 'full_outer', 'left_semi'] as const) {
      for (const watermarkLeft of [true, false]) {
        const l = stream(s).select(col('user').alias('lu'), col('ts').alias('lt'))
        const r = stream(s).select(col('user').alias('ru'), col('ts').alias('rt'))
        const left = watermarkLeft ? l.withWatermark('lt', '10 seconds') : l
        const right = watermarkLeft ? r : r.withWatermark('rt', '10 seconds')
        const joined = left.join(
          right,
          col('lu')
            .eq(col('ru'))
            .and(col('lt').eq(col('rt'))),
          how,
        )
        expect([how, watermarkLeft, await startCode(joined, 'append')]).toEqual([how, watermarkLeft, null])
      }
    }
  })

  it('a full outer join with a range condition that bounds one side only', async () => {
    const s = newSession()
    const l = stream(s)
      .select(col('user').alias('lu'), col('ts').alias('lt'))
      .withWatermark('lt', '10 seconds')
    const r = stream(s)
      .select(col('user').alias('ru'), col('ts').alias('rt'))
      .withWatermark('rt', '10 seconds')
    const joined = l.join(
      r,
      col('lu')
        .eq(col('ru'))
        .and(col('lt').gt(col('rt').plus(F.interval('10 seconds')))),
      'full_outer',
    )
    expect(await startCode(joined, 'append')).toBe(null)
  })
})
