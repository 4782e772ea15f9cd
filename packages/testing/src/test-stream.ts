/**
 * testStream: runs a streaming DataFrame through a script of actions against an
 * in-memory sink and a temporary checkpoint, and fails with a readable account of what
 * happened when a check does not hold.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import {
  type DataFrame,
  ManualClock,
  type OutputMode,
  type StreamingQuery,
  type TriggerSpec,
} from '@tributary/core'
import type { StreamAction } from './actions.js'

export interface TestStreamOptions {
  readonly outputMode?: OutputMode
  readonly trigger?: TriggerSpec
  /** The clock of processing-time triggers; a ManualClock starting at 0 by default. */
  readonly clock?: ManualClock
}

export class StreamTestFailure extends Error {}

function describeRows(rows: readonly unknown[]): string {
  return rows.length === 0 ? '  (no rows)' : rows.map((r) => `  ${JSON.stringify(r)}`).join('\n')
}

function sortRows(rows: readonly unknown[]): unknown[] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(a)
    const y = JSON.stringify(b)
    return x < y ? -1 : x > y ? 1 : 0
  })
}

function sameRows(actual: readonly unknown[], expected: readonly unknown[], ordered: boolean): boolean {
  return ordered
    ? isDeepStrictEqual(actual, expected)
    : isDeepStrictEqual(sortRows(actual), sortRows(expected))
}

export async function testStream<R>(
  df: DataFrame<R>,
  options: TestStreamOptions,
  ...steps: (StreamAction | readonly StreamAction[])[]
): Promise<void> {
  const actions = steps.flat() as StreamAction[]
  const checkpoint = mkdtempSync(path.join(tmpdir(), 'tributary-teststream-'))
  const outputMode = options.outputMode ?? 'append'
  const batches = new Map<number, unknown[]>()
  let clock = options.clock ?? new ManualClock(0)
  let trigger = options.trigger
  let query = null as StreamingQuery | null
  let checkedUpTo = -1
  const log: string[] = []

  const start = async () => {
    let w = df.writeStream.outputMode(outputMode).option('checkpointLocation', checkpoint).clock(clock)
    if (trigger) w = w.trigger(trigger)
    query = await w
      .foreachBatch(async (batch, batchId) => {
        batches.set(batchId, await batch.collect())
      })
      .start()
  }

  /** Waits until the query has processed what it can: idle on its data, or waiting on its clock. */
  const settle = async () => {
    if (!query) throw new StreamTestFailure('the stream is stopped; add StartStream() before checking')
    if (trigger && 'processingTime' in trigger) {
      const deadline = Date.now() + 10_000
      while (query.isActive && !(clock.isWaiting && !query.status.isTriggerActive)) {
        if (Date.now() > deadline) throw new StreamTestFailure('the query did not settle within 10 s')
        await new Promise((r) => setTimeout(r, 2))
      }
      await new Promise((r) => setTimeout(r, 5))
      return
    }
    await query.processAllAvailable()
  }

  const allRows = () => {
    const ids = [...batches.keys()].sort((a, b) => a - b)
    if (outputMode === 'complete') return ids.length ? batches.get(ids[ids.length - 1])! : []
    return ids.flatMap((id) => batches.get(id)!)
  }

  const fail = (what: string, expected: readonly unknown[], actual: readonly unknown[]): never => {
    throw new StreamTestFailure(
      `${what}\nexpected:\n${describeRows(expected)}\nactual:\n${describeRows(actual)}\nsteps:\n${log.map((l) => `  ${l}`).join('\n')}`,
    )
  }

  try {
    await start()
    for (const action of actions) {
      log.push(action.kind)
      switch (action.kind) {
        case 'addData':
          action.stream.addData(action.rows)
          break
        case 'advanceClock':
          clock.advance(action.ms)
          break
        case 'stop':
          await query!.stop()
          query = null
          break
        case 'start':
          if (action.trigger) trigger = action.trigger
          if (action.clock) clock = action.clock
          await start()
          break
        case 'checkAnswer': {
          await settle()
          const actual = allRows()
          if (!sameRows(actual, action.rows, action.ordered)) fail('CheckAnswer failed', action.rows, actual)
          checkedUpTo = Math.max(-1, ...batches.keys())
          break
        }
        case 'checkNewAnswer': {
          await settle()
          const ids = [...batches.keys()].filter((id) => id > checkedUpTo).sort((a, b) => a - b)
          const actual = ids.flatMap((id) => batches.get(id)!)
          if (!sameRows(actual, action.rows, false)) fail('CheckNewAnswer failed', action.rows, actual)
          checkedUpTo = Math.max(checkedUpTo, ...ids)
          break
        }
        case 'checkLastBatch': {
          await settle()
          const last = Math.max(-1, ...batches.keys())
          const actual = last < 0 ? [] : batches.get(last)!
          if (!sameRows(actual, action.rows, false)) fail('CheckLastBatch failed', action.rows, actual)
          checkedUpTo = Math.max(checkedUpTo, last)
          break
        }
        case 'assertState': {
          await settle()
          const op = query!.lastProgress?.stateOperators[action.operator]
          if (!op) {
            throw new StreamTestFailure(
              `state check: no stateful operator ${action.operator} in the last progress report\nsteps:\n${log.join('\n')}`,
            )
          }
          if (op[action.field] !== action.expected) {
            throw new StreamTestFailure(
              `state check failed: ${action.field} of operator ${action.operator} is ${op[action.field]}, expected ${action.expected}\nsteps:\n${log.map((l) => `  ${l}`).join('\n')}`,
            )
          }
          break
        }
        case 'assert': {
          if (!query) throw new StreamTestFailure(`${action.message}: the stream is stopped`)
          const ok = await action.check(query)
          if (ok === false) throw new StreamTestFailure(`${action.message}\nsteps:\n${log.join('\n')}`)
          break
        }
        case 'expectFailure': {
          if (!query) throw new StreamTestFailure('ExpectFailure: the stream is stopped')
          let error: unknown = null
          try {
            await query.awaitTermination(10_000)
          } catch (e) {
            error = e
          }
          if (!error) throw new StreamTestFailure('ExpectFailure: the query did not fail')
          const cause = (error as Error).cause ?? error
          const m = action.matches
          const ok =
            m === undefined ||
            (m instanceof RegExp
              ? m.test(String((error as Error).message))
              : cause instanceof m || error instanceof m)
          if (!ok)
            throw new StreamTestFailure(
              `ExpectFailure: the query failed differently: ${(error as Error).message}`,
            )
          query = null
          break
        }
      }
    }
  } finally {
    if (query) await (query as StreamingQuery).stop()
    rmSync(checkpoint, { recursive: true, force: true })
  }
}
