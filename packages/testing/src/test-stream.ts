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
  type StreamingQueryProgress,
  type TriggerSpec,
} from '@tributary/core'
import type { StateCheck, StreamAction } from './actions.js'

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

/** Progress fields a state check reads. */
type StateField = 'numRowsTotal' | 'numRowsUpdated' | 'numRowsDroppedByWatermark'

export async function testStream<R>(
  df: DataFrame<R>,
  options: TestStreamOptions,
  ...steps: (StreamAction | readonly StreamAction[])[]
): Promise<void> {
  const actions = steps.flat() as StreamAction[]
  const ownCheckpoint = mkdtempSync(path.join(tmpdir(), 'tributary-teststream-'))
  let checkpoint = ownCheckpoint
  const outputMode = options.outputMode ?? 'append'
  const batches = new Map<number, unknown[]>()
  let clock = options.clock ?? new ManualClock(0)
  let trigger = options.trigger
  let query = null as StreamingQuery | null
  let checkedUpTo = -1
  /** Settings a StartStream set for its run, with the values they replaced (undefined: unset). */
  let restoreConf: [string, string | undefined][] = []
  /** The batches the previous state check summed over; a check with no batch since reuses them. */
  let stateWindow = { from: 0, to: -1 }
  /** Every progress report of every run, by batch id (a replayed batch's newest). */
  const progress = new Map<number, StreamingQueryProgress>()
  const log: string[] = []
  const conf = df.session.conf

  const restoreSettings = () => {
    for (const [k, v] of restoreConf) v === undefined ? conf.unset(k) : conf.set(k, v)
    restoreConf = []
  }

  const start = async (settings?: Readonly<Record<string, string | number | boolean>>) => {
    restoreSettings()
    for (const [k, v] of Object.entries(settings ?? {})) {
      restoreConf.push([k, conf.get(k)])
      conf.set(k, v)
    }
    let w = df.writeStream.outputMode(outputMode).option('checkpointLocation', checkpoint).clock(clock)
    if (trigger) w = w.trigger(trigger)
    query = await w
      .foreachBatch(async (batch, batchId) => {
        batches.set(batchId, await batch.collect())
      })
      .start()
  }

  const stop = async () => {
    await query?.stop()
    query = null
    restoreSettings()
  }

  const processingTime = () => trigger !== undefined && 'processingTime' in trigger

  /** Waits until the query has processed what it can: idle on its data, or waiting on its clock. */
  const settle = async () => {
    if (!query) throw new StreamTestFailure('the stream is stopped; add StartStream() before checking')
    if (processingTime()) {
      await waitFor(
        () => !query!.isActive || (clock.isWaiting && !query!.status.isTriggerActive),
        'the query did not settle within 10 s',
      )
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

  const steps_ = () => log.map((l) => `  ${l}`).join('\n')

  const fail = (what: string, expected: readonly unknown[], actual: readonly unknown[]): never => {
    throw new StreamTestFailure(
      `${what}\nexpected:\n${describeRows(expected)}\nactual:\n${describeRows(actual)}\nsteps:\n${steps_()}`,
    )
  }

  const recordProgress = () => {
    for (const p of query?.recentProgress ?? []) progress.set(p.batchId, p)
  }

  const checkState = (check: StateCheck) => {
    recordProgress()
    const newest = Math.max(-1, ...progress.keys())
    if (newest !== stateWindow.to) stateWindow = { from: stateWindow.to + 1, to: newest }
    const last = progress.get(newest)
    if (!last) throw new StreamTestFailure(`state check: no batch has run yet\nsteps:\n${steps_()}`)
    const since = [...progress.values()].filter((p) => p.batchId >= stateWindow.from && p.batchId <= newest)
    const operators = last.stateOperators.length
    const read = (field: StateField, summed: boolean): number[] =>
      Array.from({ length: operators }, (_, i) =>
        summed
          ? since.reduce((n, p) => n + (p.stateOperators[i]?.[field] ?? 0), 0)
          : last.stateOperators[i][field],
      )
    const compare = (field: StateField, expected: readonly number[] | null, summed: boolean) => {
      if (expected === null) return
      const actual = read(field, summed)
      const what = summed ? `${field} summed over batches ${stateWindow.from}..${newest}` : field
      if (check.operator !== null) {
        if (check.operator >= operators) {
          throw new StreamTestFailure(
            `state check: no stateful operator ${check.operator} (the query has ${operators}, numbered from the sink)\nsteps:\n${steps_()}`,
          )
        }
        if (actual[check.operator] !== expected[0]) {
          throw new StreamTestFailure(
            `state check failed: ${what} of operator ${check.operator} is ${actual[check.operator]}, expected ${expected[0]}\nsteps:\n${steps_()}`,
          )
        }
      } else if (!isDeepStrictEqual(actual, [...expected])) {
        throw new StreamTestFailure(
          `state check failed: ${what} per operator (sink first) is [${actual.join(', ')}], expected [${expected.join(', ')}]\nsteps:\n${steps_()}`,
        )
      }
    }
    compare('numRowsTotal', check.total, false)
    compare('numRowsUpdated', check.updated, true)
    compare('numRowsDroppedByWatermark', check.droppedByWatermark, true)
  }

  try {
    // As in Spark, a script that begins with StartStream starts with its options (a checkpoint, settings).
    if (actions[0]?.kind !== 'start') await start()
    for (const action of actions) {
      log.push(action.kind)
      switch (action.kind) {
        case 'addData':
          action.stream.addData(action.rows)
          break
        case 'multiAddData':
          // In one turn of the event loop: no batch can start between the parts.
          for (const part of action.parts) part.stream.addData(part.rows)
          break
        case 'advanceClock':
          // Spark's SPARK-16002: advancing before the query waits on the clock can skip a trigger.
          if (query && processingTime()) {
            await waitFor(
              () => !query!.isActive || (clock.isWaiting && !query!.status.isTriggerActive),
              'AdvanceManualClock: the query did not come to wait on its clock within 10 s',
            )
          }
          clock.advance(action.ms)
          break
        case 'stop':
          recordProgress()
          await stop()
          break
        case 'start':
          if (query)
            throw new StreamTestFailure(`StartStream: the stream is already running\nsteps:\n${steps_()}`)
          if (action.trigger) trigger = action.trigger
          if (action.clock) clock = action.clock
          if (action.checkpointLocation) checkpoint = action.checkpointLocation
          await start(action.conf)
          break
        case 'betweenRuns':
          if (query) {
            throw new StreamTestFailure(
              `BetweenRuns: the stream is running; add StopStream first\nsteps:\n${steps_()}`,
            )
          }
          await action.change({
            checkpointLocation: checkpoint,
            clearSink: () => {
              batches.clear()
              checkedUpTo = -1
            },
            sinkBatches: batches,
          })
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
          // Complete mode: each batch is the whole result, so the new answer is the newest one.
          const actual =
            outputMode === 'complete'
              ? ids.length > 0
                ? batches.get(ids[ids.length - 1])!
                : []
              : ids.flatMap((id) => batches.get(id)!)
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
          checkState(action)
          break
        }
        case 'assert': {
          if (!query) throw new StreamTestFailure(`${action.message}: the stream is stopped`)
          const ok = await action.check(query)
          if (ok === false) throw new StreamTestFailure(`${action.message}\nsteps:\n${steps_()}`)
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
          recordProgress()
          query = null
          restoreSettings()
          break
        }
      }
    }
  } finally {
    if (query) await (query as StreamingQuery).stop()
    restoreSettings()
    rmSync(ownCheckpoint, { recursive: true, force: true })
  }
}

/** Polls until `done` holds, failing after 10 s. */
async function waitFor(done: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new StreamTestFailure(message)
    await new Promise((r) => setTimeout(r, 2))
  }
}
