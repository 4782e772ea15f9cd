/**
 * flatMapGroupsWithState timeouts as Spark's GroupState has them: each call starts with no
 * timeout, so a call with data that sets none clears the one set before.
 */
import { describe, it } from 'vitest'
import {
  AddData,
  AdvanceManualClock,
  AssertNumStateRows,
  CheckNewAnswer,
  testStream,
} from '../../../testing/src/index.js'
import { type GroupState, ManualClock, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const events = schema({ key: 'string', n: 'long' })
const out = schema({ key: 'string', seen: 'long', timedOut: 'boolean' })

describe('flatMapGroupsWithState timeouts', () => {
  it('a call with data that sets no timeout clears the earlier one', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const clock = new ManualClock(0)
    const counted = input
      .toDF()
      .groupByKey((r) => r.key)
      .flatMapGroupsWithState(
        'update',
        'ProcessingTimeTimeout',
        (key: string, rows: { n: number }[], state: GroupState<number>) => {
          if (state.hasTimedOut) {
            state.remove()
            return [{ key, seen: -1, timedOut: true }]
          }
          const seen = (state.getOption() ?? 0) + rows.length
          state.update(seen)
          // Only the first call asks for a timeout; later ones let it lapse.
          if (seen === 1) state.setTimeoutDuration('10 seconds')
          return [{ key, seen, timedOut: false }]
        },
        out,
      )
    await testStream(
      counted,
      { outputMode: 'update', trigger: { processingTime: '1 second' }, clock },
      AddData(input, { key: 'a', n: 1 }),
      AdvanceManualClock(1000),
      CheckNewAnswer({ key: 'a', seen: 1, timedOut: false }),
      AddData(input, { key: 'a', n: 2 }),
      AdvanceManualClock(1000),
      CheckNewAnswer({ key: 'a', seen: 2, timedOut: false }),
      // Long past the first call's 10 s: no timeout is set any more, nothing fires.
      AdvanceManualClock(20_000),
      CheckNewAnswer(),
      AdvanceManualClock(20_000),
      CheckNewAnswer(),
      AssertNumStateRows(1),
    )
  })
})
