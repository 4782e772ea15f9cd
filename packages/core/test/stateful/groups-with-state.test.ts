import { describe, expect, it } from 'vitest'
import {
  AddData,
  AdvanceManualClock,
  AssertOnQuery,
  CheckNewAnswer,
  ExpectFailure,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { type GroupState, ManualClock, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const events = schema({ user: 'string', ts: 'timestamp', amount: 'double' })
type Ev = { user: string; ts: Date; amount: number }
const ev = (user: string, sec: number, amount = 1): Ev => ({
  user,
  ts: new Date(Date.UTC(2026, 0, 1, 12, 0, sec)),
  amount,
})
const sessionOut = schema({ user: 'string', events: 'long', total: 'double', expired: 'boolean' })
type Session = { events: number; total: number }

describe('mapGroupsWithState / flatMapGroupsWithState', () => {
  it('keeps per-key state across batches and restarts (update mode)', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const running = input
      .toDF()
      .groupByKey((r) => r.user)
      .mapGroupsWithState(
        'NoTimeout',
        (user: string, rows: Ev[], state: GroupState<Session>) => {
          const s = state.getOption() ?? { events: 0, total: 0 }
          const next = {
            events: s.events + rows.length,
            total: s.total + rows.reduce((a, r) => a + r.amount, 0),
          }
          state.update(next)
          return { user, ...next, expired: false }
        },
        sessionOut,
      )
    await testStream(
      running,
      { outputMode: 'update' },
      AddData(input, ev('a', 1, 5), ev('b', 2, 1), ev('a', 3, 2)),
      CheckNewAnswer(
        { user: 'a', events: 2, total: 7, expired: false },
        { user: 'b', events: 1, total: 1, expired: false },
      ),
      StopStream,
      AddData(input, ev('a', 4, 1)),
      StartStream(),
      CheckNewAnswer({ user: 'a', events: 3, total: 8, expired: false }),
      AssertOnQuery((q) => q.lastProgress?.stateOperators[0].numRowsTotal === 2, 'two keys in state'),
    )
  })

  it('fires processing-time timeouts in batches without data for the key', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const clock = new ManualClock(1_000_000)
    const sessions = input
      .toDF()
      .groupByKey((r) => r.user)
      .flatMapGroupsWithState(
        'update',
        'ProcessingTimeTimeout',
        (user: string, rows: Ev[], state: GroupState<Session>) => {
          if (state.hasTimedOut) {
            const s = state.get()
            state.remove()
            return [{ user, events: s.events, total: s.total, expired: true }]
          }
          const s = state.getOption() ?? { events: 0, total: 0 }
          state.update({ events: s.events + rows.length, total: s.total + rows.length })
          state.setTimeoutDuration('10 seconds')
          return []
        },
        sessionOut,
      )
    await testStream(
      sessions,
      { outputMode: 'update', trigger: { processingTime: '1 second' }, clock },
      AddData(input, ev('a', 1), ev('b', 1)),
      AdvanceManualClock(1000),
      CheckNewAnswer(),
      // b's new event (batch at 1 006 000) pushes its timeout back to 1 016 000.
      AddData(input, ev('b', 2)),
      AdvanceManualClock(5000),
      CheckNewAnswer(),
      // a's timeout (1 001 000 + 10 s) is due now.
      AdvanceManualClock(6000),
      CheckNewAnswer({ user: 'a', events: 1, total: 1, expired: true }),
      AdvanceManualClock(5000),
      CheckNewAnswer({ user: 'b', events: 2, total: 2, expired: true }),
      AssertOnQuery((q) => q.lastProgress?.stateOperators[0].numRowsTotal === 0, 'state emptied'),
    )
  })

  it('fires event-time timeouts when the watermark passes them, and drops late rows', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const sessions = input
      .toDF()
      .withWatermark('ts', '5 seconds')
      .groupByKey((r) => r.user)
      .flatMapGroupsWithState(
        'append',
        'EventTimeTimeout',
        (user: string, rows: Ev[], state: GroupState<Session & { last: number }>) => {
          if (state.hasTimedOut) {
            const s = state.get()
            state.remove()
            return [{ user, events: s.events, total: s.total, expired: true }]
          }
          const s = state.getOption() ?? { events: 0, total: 0, last: 0 }
          const last = Math.max(s.last, ...rows.map((r) => r.ts.getTime()))
          state.update({ events: s.events + rows.length, total: s.total + rows.length, last })
          // The session ends 10 s after its last event.
          state.setTimeoutTimestamp(last, '10 seconds')
          return []
        },
        sessionOut,
      )
    await testStream(
      sessions,
      { outputMode: 'append' },
      AddData(input, ev('a', 0), ev('a', 3)),
      CheckNewAnswer(),
      // Watermark after this batch: 20 s - 5 s = 12:00:15 > a's timeout 12:00:13.
      AddData(input, ev('b', 20)),
      CheckNewAnswer({ user: 'a', events: 2, total: 2, expired: true }),
      // A row older than the watermark is late and dropped.
      AddData(input, ev('a', 10)),
      CheckNewAnswer(),
      AssertOnQuery(
        (q) => q.lastProgress?.stateOperators[0].numRowsDroppedByWatermark === 1,
        'late row dropped',
      ),
    )
  })

  it('refuses mapGroupsWithState outside update mode, and event-time timeouts without a watermark', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const mapped = input
      .toDF()
      .groupByKey((r) => r.user)
      .mapGroupsWithState('NoTimeout', (user: string) => ({ user }), schema({ user: 'string' }))
    await expect(mapped.writeStream.format('memory').queryName('m').start()).rejects.toThrow(
      /GROUPS_WITH_STATE_OUTPUT_MODE: mapGroupsWithState is only supported in update output mode/,
    )
    const timed = input
      .toDF()
      .groupByKey((r) => r.user)
      .flatMapGroupsWithState('update', 'EventTimeTimeout', () => [], schema({ user: 'string' }))
    await expect(
      timed.writeStream.outputMode('update').format('memory').queryName('m').start(),
    ).rejects.toThrow(/needs a watermark/)
  })

  it('reports GroupState misuse from the user function as a query failure', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const bad = input
      .toDF()
      .groupByKey((r) => r.user)
      .mapGroupsWithState(
        'NoTimeout',
        (user: string, _rows: Ev[], state: GroupState<number>) => {
          state.setTimeoutDuration('1 minute')
          return { user }
        },
        schema({ user: 'string' }),
      )
    await testStream(
      bad,
      { outputMode: 'update' },
      AddData(input, ev('a', 1)),
      ExpectFailure(/needs GroupStateTimeout 'ProcessingTimeTimeout'/),
    )
  })

  it('runs on a batch DataFrame once per key', async () => {
    const session = newSession()
    const df = session.createDataFrame([ev('a', 1, 2), ev('b', 2, 3), ev('a', 3, 4)], events)
    const out = await df
      .groupByKey((r) => r.user)
      .mapGroupsWithState(
        'NoTimeout',
        (user: string, rows: Ev[]) => ({
          user,
          events: rows.length,
          total: rows.reduce((a, r) => a + r.amount, 0),
          expired: false,
        }),
        sessionOut,
      )
      .collect()
    expect(out).toEqual([
      { user: 'a', events: 2, total: 6, expired: false },
      { user: 'b', events: 1, total: 3, expired: false },
    ])
  })
})
