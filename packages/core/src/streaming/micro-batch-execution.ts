/**
 * The micro-batch loop (DESIGN.md, "The micro-batch protocol"). Each batch is the same
 * short sequence of named steps; recovery replays the one batch whose offsets were logged
 * but not committed, with exactly the recorded offsets and metadata.
 */
import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { type BatchMetadata, Checkpoint, type QueryFingerprint } from '../checkpoint/checkpoint.js'
import { CheckpointLock, lockSettings } from '../checkpoint/checkpoint-lock.js'
import { corrupt } from '../checkpoint/metadata-log.js'
import { checkOffsetLog, offsetsDigest } from '../checkpoint/offset-order.js'
import { sourceIdentity } from '../checkpoint/source-identity.js'
import { EventTimeWatermark } from '../exec/event-time-watermark.js'
import type { PhysicalOperator } from '../exec/operator.js'
import { statefulOperators } from '../exec/operator.js'
import { createExecutor } from '../executor/create-executor.js'
import type { BatchContext, BatchExecutor } from '../executor/executor.js'
import { type LogicalPlan, uniqueSources } from '../plan/logical-plan.js'
import { toPhysical } from '../plan/planner.js'
import type { OutputMode, Sink } from '../sinks/sink.js'
import type {
  DeadLetter,
  JsonValue,
  Offset,
  ReadLimit,
  Source,
  SourcePartition,
  SourceSpec,
} from '../sources/source.js'
import { diskError } from '../util/disk-errors.js'
import { CheckpointError, OptionError, StreamingQueryException, TributaryError } from '../util/errors.js'
import { killPoint } from '../util/kill-point.js'
import type { Clock } from './clock.js'
import type { DurationMs, SourceProgress, StreamingQueryProgress, StreamingQueryStatus } from './progress.js'
import { effectiveConf } from './recorded-conf.js'

/** Whether the offset and commit logs are fsynced (docs/guarantees.md, "Durability and fsync"). */
export const CHECKPOINT_FSYNC_CONF = 'tributary.checkpoint.fsync'

import { checkStateBudget, MEMORY_BUDGET_CONF, readMemoryBudget } from './state-budget.js'
import type { Trigger } from './trigger.js'
import { type EventTimeStats, WatermarkTracker } from './watermark.js'

/** Whether batches without new data run for stateful housekeeping (on by default, as in Spark). */
const NO_DATA_BATCHES = 'tributary.sql.streaming.noDataMicroBatches.enabled'

export interface ExecutionEvents {
  onStarted(): void
  onProgress(p: StreamingQueryProgress): void
  onIdle(): void
  onTerminated(error: StreamingQueryException | null): void
}

export interface ExecutionConfig {
  readonly plan: LogicalPlan
  readonly createSink: () => Promise<Sink>
  readonly createSource: (
    spec: SourceSpec,
    schema: LogicalPlan & { kind: 'source' },
    metadataDir: string,
  ) => Promise<Source>
  readonly checkpointDir: string
  readonly deleteCheckpointOnStop: boolean
  readonly trigger: Trigger
  readonly clock: Clock
  readonly name: string | undefined
  readonly conf: (key: string) => string | undefined
  readonly events: ExecutionEvents
  readonly minBatchesToRetain: number
  readonly pollingDelayMs: number
  readonly outputMode: OutputMode
  /** Receives rows dropped as late by stateful operators (withLateRows). */
  readonly lateRows?: (
    batchId: number,
    operator: string,
    rows: ColumnarBatch<unknown>,
  ) => void | Promise<void>
  /**
   * Receives the records sources could not read (withDeadLetters), before the batch's
   * output reaches the sink: a replayed batch delivers them again with the same batch id.
   */
  readonly deadLetters?: (batchId: number, letters: readonly SourcedDeadLetter[]) => void | Promise<void>
}

/** A dead letter with the description of the source it came from. */
export interface SourcedDeadLetter extends DeadLetter {
  readonly source: string
}

interface PlannedBatch {
  readonly id: number
  readonly starts: readonly Offset[]
  readonly ends: readonly Offset[]
  /** The offsets as offsets/N holds them (null for a source without one yet). */
  readonly logged: readonly (Offset | null)[]
  readonly metadata: BatchMetadata
  readonly durations: Partial<DurationMs>
  readonly latestOffsetMs: number
}

const sameOffset = (a: Offset, b: Offset): boolean => JSON.stringify(a) === JSON.stringify(b)

export class MicroBatchExecution {
  readonly runId = randomUUID()
  id = ''
  private readonly checkpoint: Checkpoint
  private lock: CheckpointLock | null = null
  private sources: Source[] = []
  private sink: Sink | null = null
  private operator: PhysicalOperator | null = null
  /** Runs step 4 and owns the state (steps 4 and 6): on this thread or on worker threads. */
  private executor: BatchExecutor | null = null
  private watermarks: WatermarkTracker | null = null
  /** The state partitions of the query's stateful operators (progress: numShufflePartitions). */
  private statePartitions = 0
  /** Whether the plan has a withWatermark: only then does progress report eventTime. */
  private hasEventTime = false
  /** The watermark the last batch ran with: a higher one makes a no-data batch worth running. */
  private lastBatchWatermarkMs = 0
  private committed: Offset[] = []
  private nextBatchId = 0
  private pendingReplay: PlannedBatch | null = null
  private watermarkMs = 0
  /** The settings of the newest offset log entry: on restart they win over the session's. */
  private recordedConf: Readonly<Record<string, string>> | null = null
  private readonly abort = new AbortController()
  private readonly stateBudget: number
  private stopRequested = false
  private triggerSeq = 0
  private idleWaiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = []
  private readonly progressHistory: StreamingQueryProgress[] = []
  private status: StreamingQueryStatus = {
    message: 'Initializing sources',
    isDataAvailable: false,
    isTriggerActive: false,
  }
  exception: StreamingQueryException | null = null
  private finished = false
  readonly terminated: Promise<void>
  private resolveTerminated!: () => void

  constructor(private readonly config: ExecutionConfig) {
    this.checkpoint = new Checkpoint(config.checkpointDir, {
      fsync: (config.conf(CHECKPOINT_FSYNC_CONF) ?? 'true').trim().toLowerCase() !== 'false',
    })
    this.stateBudget = readMemoryBudget(config.conf(MEMORY_BUDGET_CONF))
    this.terminated = new Promise((r) => {
      this.resolveTerminated = r
    })
  }

  get isActive(): boolean {
    return !this.finished
  }
  get currentStatus(): StreamingQueryStatus {
    return this.status
  }
  get recentProgress(): StreamingQueryProgress[] {
    return [...this.progressHistory]
  }
  get lastProgress(): StreamingQueryProgress | null {
    return this.progressHistory[this.progressHistory.length - 1] ?? null
  }
  get physicalPlan(): PhysicalOperator | null {
    return this.operator
  }
  /** Where the plan runs, for explain(). */
  get executorDescription(): string | null {
    return this.executor?.describe() ?? null
  }

  /** A setting as this query runs with it: recorded in the checkpoint, else the session's. */
  private conf(key: string): string | undefined {
    return effectiveConf(this.recordedConf, this.config.conf)[key]
  }

  /** Prepares everything a batch needs; errors here (bad checkpoint, bad options) surface from start(). */
  async initialize(): Promise<void> {
    // First of all: no other run may be using this checkpoint (docs/guarantees.md, "Concurrent runs").
    this.lock = await CheckpointLock.acquire(this.checkpoint.dir, {
      runId: this.runId,
      queryName: this.config.name ?? null,
      ...lockSettings(this.config.conf),
    })
    try {
      await this.openEverything()
    } catch (e) {
      // Nothing runs after a failed start: release what was opened (sockets, subscriptions).
      await Promise.allSettled([
        ...this.sources.map((s) => s.stop()),
        this.sink?.stop?.(),
        this.executor?.close(),
      ])
      await this.lock.release()
      throw diskError(e, undefined, 'start the query')
    }
  }

  private async openEverything(): Promise<void> {
    const retain = this.config.minBatchesToRetain
    if (!Number.isInteger(retain) || retain < 1) {
      // With 0, the purge would delete the entries the next restart starts from.
      throw new OptionError(
        `INVALID_OPTION: tributary.sql.streaming.minBatchesToRetain is '${this.config.conf('tributary.sql.streaming.minBatchesToRetain')}'; it must be a whole number of 1 or more (the newest batch's offsets are what a restart goes on from). The default is 100.`,
        'INVALID_OPTION',
      )
    }
    const sourcePlans = uniqueSources(this.config.plan)
    this.operator = toPhysical(this.config.plan)
    this.hasEventTime = hasEventTimeWatermark(this.operator)
    const stateful = statefulOperators(this.operator)
    const partitions = Number(this.config.conf('tributary.sql.shuffle.partitions') ?? '4')
    this.statePartitions = partitions
    const fingerprint: QueryFingerprint = {
      sources: sourcePlans.map((s) => s.spec.provider.name),
      sourceIdentities: sourcePlans.map((s) => sourceIdentity(s.spec)),
      statePartitions: partitions,
      stateOperators: stateful.map((op) => op.describe()),
      stateSignatures: stateful.map((op) => op.stateSignature?.() ?? op.describe()),
    }
    const meta = await this.checkpoint.openMetadata(fingerprint)
    this.id = meta.id
    this.sources = []
    this.executor = await createExecutor({
      plan: this.config.plan,
      operator: this.operator,
      conf: this.config.conf,
      stateDir: path.join(this.checkpoint.dir, 'state'),
      partitions,
      lateRows: this.config.lateRows !== undefined,
    })
    for (let i = 0; i < sourcePlans.length; i++) {
      this.sources.push(
        await this.config.createSource(sourcePlans[i].spec, sourcePlans[i], this.checkpoint.sourceDir(i)),
      )
    }
    this.sink = await this.config.createSink()
    await this.recover()
    this.watermarks = new WatermarkTracker(this.watermarkMs, this.watermarkPolicy())
  }

  /**
   * The multiple-watermark policy in force: the one the checkpoint recorded (as Spark
   * restores it from the offset log, so a restart cannot change how the watermark moves),
   * else the session's. Anything but min or max is refused.
   */
  private watermarkPolicy(): 'min' | 'max' {
    const key = 'tributary.streaming.multipleWatermarkPolicy'
    const value = this.conf(key) ?? 'min'
    const policy = value.trim().toLowerCase()
    if (policy !== 'min' && policy !== 'max') {
      throw new OptionError(
        `INVALID_OPTION: ${key} is '${value}', which is not a watermark policy. Set it to 'min' (the default: the slowest input holds the watermark back) or 'max' (the fastest input moves it).`,
        'INVALID_OPTION',
      )
    }
    return policy
  }

  /** Step 0: where to go on from. Offsets N with commit N-1 means batch N must run again. */
  private async recover(): Promise<void> {
    const lastOffsets = await this.checkpoint.offsets.latest()
    const lastCommit = await this.checkpoint.commits.latest()
    const initial = await Promise.all(this.sources.map((s) => s.initialOffset()))
    if (!lastOffsets) {
      if (lastCommit) {
        throw new CheckpointError(
          `CORRUPT_CHECKPOINT: ${this.checkpoint.commits.dir} has commits but ${this.checkpoint.offsets.dir} has no offsets. Restore the offsets folder from a backup, or start with a new checkpointLocation.`,
          'CORRUPT_CHECKPOINT',
        )
      }
      this.committed = initial
      this.nextBatchId = 0
      return
    }
    const { batchId: n, value } = lastOffsets
    this.recordedConf = value.metadata.conf
    if (value.offsets.length !== this.sources.length) {
      // The metadata file already matched this query's sources, so the entry itself is damaged.
      throw corrupt(
        this.checkpoint.offsets.fileOf(n),
        `has ${value.offsets.length} source offset line(s), but the query and the checkpoint's metadata have ${this.sources.length} source(s): the file was cut short or edited`,
      )
    }
    await checkOffsetLog(this.checkpoint, (i) => this.sources[i]?.description ?? 'unknown')
    const m = lastCommit?.batchId ?? -1
    if (m === n) {
      this.committed = value.offsets.map((o, i) => o ?? initial[i])
      this.watermarkMs = lastCommit!.value.nextBatchWatermarkMs ?? value.metadata.batchWatermarkMs
      this.lastBatchWatermarkMs = value.metadata.batchWatermarkMs
      this.nextBatchId = n + 1
      return
    }
    if (m > n) {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT: ${this.checkpoint.commits.fileOf(m)} commits batch ${m}, but the newest offset log entry is batch ${n}: the offsets of the batches after it are missing from ${this.checkpoint.offsets.dir}. Restore the offsets folder, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT',
      )
    }
    // m < n: batch n is re-run. When m < n - 1 the commits in between were purged or lost;
    // as in Spark that is no obstacle: offsets/n is only written once batch n-1 has
    // committed, so offsets/(n-1) is where batch n starts.
    const previous = n > 0 ? await this.checkpoint.offsets.get(n - 1) : undefined
    if (n > 0 && !previous) {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT: ${this.checkpoint.offsets.fileOf(n - 1)} is missing, so batch ${n} cannot be replayed from where batch ${n - 1} ended. Restore the file, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT',
      )
    }
    this.committed = previous ? previous.offsets.map((o, i) => o ?? initial[i]) : initial
    this.watermarkMs = value.metadata.batchWatermarkMs
    this.lastBatchWatermarkMs = previous?.metadata.batchWatermarkMs ?? 0
    this.nextBatchId = n
    this.pendingReplay = {
      id: n,
      starts: this.committed,
      ends: value.offsets.map((o, i) => o ?? initial[i]),
      logged: value.offsets,
      metadata: value.metadata,
      durations: {},
      latestOffsetMs: 0,
    }
  }

  /** The loop: one trigger at a time until stopped, finished (once/availableNow) or failed. */
  async run(): Promise<void> {
    const { trigger, clock } = this.config
    this.config.events.onStarted()
    try {
      if (trigger.kind === 'availableNow') await this.prepareAvailableNow()
      while (!this.stopRequested) {
        const triggerStart = clock.now()
        const seq = ++this.triggerSeq
        this.status = {
          message: 'Getting offsets from sources',
          isDataAvailable: false,
          isTriggerActive: true,
        }
        const outcome = await this.runTrigger(trigger.kind === 'once' ? 'all' : 'default')
        const ran = outcome !== 'none'
        // Data a source holds back for a fuller batch is waiting: the query is not idle.
        const heldBack = !ran && this.sources.some((s) => s.isHoldingBack?.() === true)
        this.status = {
          message: heldBack
            ? 'Waiting for more data (held back by the source)'
            : 'Waiting for data to arrive',
          isDataAvailable: outcome === 'data' || heldBack,
          isTriggerActive: false,
        }
        // Everything the sources had is processed once a trigger finds no new data, and no
        // operator asks for another batch without data (a lagging one after a stream-stream join).
        if (outcome === 'none' || (outcome === 'noData' && !this.needsNoDataBatch()))
          this.resolveIdleWaiters(seq)
        if (!ran && !heldBack) this.config.events.onIdle()
        if (trigger.kind === 'once' || (trigger.kind === 'availableNow' && !ran)) break
        if (this.stopRequested) break
        if (trigger.kind === 'processingTime' && trigger.intervalMs > 0) {
          const next = Math.floor(triggerStart / trigger.intervalMs) * trigger.intervalMs + trigger.intervalMs
          this.status = { message: 'Waiting for next trigger', isDataAvailable: ran, isTriggerActive: false }
          await clock.waitUntil(next, this.abort.signal)
        } else if (!ran && trigger.kind === 'processingTime') {
          await sleep(this.config.pollingDelayMs, this.abort.signal)
        }
      }
    } catch (caught) {
      this.executor?.abort()
      // A full or failing disk anywhere (a sink's file, a state store) is named as such.
      const e = diskError(caught, undefined, 'write')
      this.exception =
        e instanceof StreamingQueryException
          ? e
          : new StreamingQueryException(
              `Query ${this.config.name ? `${this.config.name} ` : ''}[id = ${this.id}, runId = ${this.runId}] terminated with exception: ${(e as Error).message}`,
              e instanceof TributaryError ? e.code : 'STREAMING_QUERY_FAILED',
              { cause: e },
            )
    } finally {
      await this.shutdown()
    }
  }

  private async prepareAvailableNow(): Promise<void> {
    for (const s of this.sources) {
      await s.prepareForTriggerAvailableNow?.()
    }
  }

  /** Runs one batch if there is one to run; false when there was no new data. */
  /** Runs one batch if there is one to run: with new data, without (stateful housekeeping), or none. */
  private async runTrigger(limit: ReadLimit): Promise<'data' | 'noData' | 'none'> {
    if (this.pendingReplay) {
      const batch = this.pendingReplay
      this.pendingReplay = null
      await this.runBatch(batch)
      return 'data'
    }
    const planned = await this.constructNextBatch(limit)
    if (!planned) return 'none'
    await this.runBatch(planned)
    return planned.starts.every((s, i) => sameOffset(s, planned.ends[i])) ? 'noData' : 'data'
  }

  /** Steps 1–2: ask every source for its latest offset; if any moved, write offsets/N before reading. */
  private async constructNextBatch(limit: ReadLimit): Promise<PlannedBatch | null> {
    const t0 = performance.now()
    const ends = await Promise.all(this.sources.map((s, i) => s.latestOffset(this.committed[i], limit)))
    const t1 = performance.now()
    const noNewData = ends.every((e, i) => sameOffset(e, this.committed[i]))
    if (noNewData && !this.needsNoDataBatch()) return null
    const conf = effectiveConf(this.recordedConf, this.config.conf)
    const metadata: BatchMetadata = {
      batchTimestampMs: this.config.clock.now(),
      batchWatermarkMs: this.watermarkMs,
      conf,
    }
    const id = this.nextBatchId
    killPoint('beforeOffsetLog', id)
    await this.lock!.assertHeld()
    const written = await this.checkpoint.offsets.add(id, { metadata, offsets: ends })
    if (!written) {
      throw new CheckpointError(
        `CONCURRENT_QUERY: ${this.checkpoint.offsets.fileOf(id)} was written by someone else while this query ran. Two queries must not share a checkpointLocation; stop the other one.`,
        'CONCURRENT_QUERY',
      )
    }
    killPoint('afterOffsetLog', id)
    const t2 = performance.now()
    return {
      id,
      starts: this.committed,
      ends,
      logged: ends,
      metadata,
      durations: { latestOffset: t1 - t0, walCommit: t2 - t1 },
      latestOffsetMs: t1 - t0,
    }
  }

  /**
   * A stateful query runs a batch without new data when it has something to do: windows
   * the watermark closed to emit and evict, or timeouts that are due.
   */
  private needsNoDataBatch(): boolean {
    if (!this.executor?.stateful || !this.operator) return false
    // Spark's spark.sql.streaming.noDataMicroBatches.enabled: off, state waits for the next data.
    if ((this.config.conf(NO_DATA_BATCHES) ?? 'true').trim().toLowerCase() === 'false') return false
    const now = this.config.clock.now()
    return statefulOperators(this.operator).some((op) =>
      op.needsNoDataBatch
        ? op.needsNoDataBatch(this.watermarkMs, this.lastBatchWatermarkMs, now)
        : this.watermarkMs > this.lastBatchWatermarkMs,
    )
  }

  /** Steps 3–8 for one planned batch. */
  private async runBatch(batch: PlannedBatch): Promise<void> {
    const startedAt = this.config.clock.now()
    const t0 = performance.now()
    // Step 3: read [start, end) of every source; on worker threads, sources that describe
    // their batch as partitions (files) are read by the workers in step 4 instead.
    const inputs = new Map<number, ColumnarBatch<unknown>>()
    const reads = new Map<number, readonly SourcePartition[]>()
    const sourceRows: number[] = []
    const deadLetters: SourcedDeadLetter[] = []
    let dropped = 0
    const took = (
      i: number,
      got: { rows: number; droppedMalformed?: number; deadLetters?: readonly DeadLetter[] },
    ) => {
      sourceRows[i] = got.rows
      dropped += got.droppedMalformed ?? 0
      if (got.deadLetters && this.config.deadLetters) {
        for (const d of got.deadLetters) deadLetters.push({ ...d, source: this.sources[i].description })
      }
    }
    const executeWithIo = this.executor!.executeWithIo?.bind(this.executor)
    for (let i = 0; i < this.sources.length; i++) {
      const s = this.sources[i]
      if (sameOffset(batch.starts[i], batch.ends[i])) {
        inputs.set(i, ColumnarBatch.empty(s.schema))
        sourceRows.push(0)
        continue
      }
      const parts =
        executeWithIo && s.planPartitions ? await s.planPartitions(batch.starts[i], batch.ends[i]) : null
      if (parts && parts.length > 0) {
        reads.set(i, parts)
        sourceRows.push(0)
        continue
      }
      if (parts) {
        inputs.set(i, ColumnarBatch.empty(s.schema))
        sourceRows.push(0)
        continue
      }
      const got = await s.getBatch(batch.starts[i], batch.ends[i])
      inputs.set(i, got.data)
      sourceRows.push(0)
      took(i, { ...got, rows: got.data.numRows })
    }
    // Before the sink and the commit log: a crash from here on replays the batch, and with it these.
    if (deadLetters.length > 0 && reads.size === 0) await this.config.deadLetters!(batch.id, deadLetters)
    const t1 = performance.now()
    // Step 4: run the incremental plan.
    const late: (void | Promise<void>)[] = []
    const ctx: BatchContext = {
      batchId: batch.id,
      eval: {
        batchTimestampMs: batch.metadata.batchTimestampMs,
        timeZone: batch.metadata.conf['tributary.sql.session.timeZone'] ?? 'UTC',
      },
      inputs,
      watermarkMs: batch.metadata.batchWatermarkMs,
      previousWatermarkMs: this.lastBatchWatermarkMs,
      outputMode: this.config.outputMode,
      watermarks: this.watermarks,
      lateRows: this.config.lateRows
        ? (op, rows) => late.push(this.config.lateRows!(batch.id, op, rows))
        : undefined,
    }
    let output: ColumnarBatch<unknown>
    let outputRows: number
    let written: readonly JsonValue[] | null = null
    if (reads.size > 0) {
      // The workers write a stateless batch's files themselves when the sink can take them so.
      const sink = this.sink!
      const write =
        !this.executor!.stateful && sink.planWrite && sink.commitWritten
          ? await sink.planWrite(batch.id)
          : null
      const result = await executeWithIo!(ctx, { reads, write })
      for (const [i, r] of result.reads) took(i, r)
      if (deadLetters.length > 0) await this.config.deadLetters!(batch.id, deadLetters)
      output = result.output
      outputRows = result.outputRows
      written = result.written
    } else {
      output = await this.executor!.execute(ctx)
      outputRows = output.numRows
    }
    await Promise.all(late)
    // Step 5: hand the result to the sink, which ignores a batch id it has already committed
    // (or commit the files the workers wrote: the sink log entry lists them all).
    killPoint('beforeSink', batch.id)
    if (written) await this.sink!.commitWritten!(batch.id, written)
    else await this.sink!.addBatch(batch.id, output)
    killPoint('afterSink', batch.id)
    const t3 = performance.now()
    // Step 6: commit state version N.
    await this.executor!.commit()
    // Before commits/N: over the budget, a restart re-runs batch N from the state before it.
    if (this.executor!.holdsStateInMemory)
      checkStateBudget(this.executor!.stateOperators(), this.stateBudget, batch.id)
    // Step 8 comes before the commit log, which records the watermark for batch N+1.
    this.lastBatchWatermarkMs = batch.metadata.batchWatermarkMs
    const eventTime = this.watermarks?.advance()
    if (eventTime) this.watermarkMs = eventTime.watermarkMs
    // Step 7: commits/N, then let sources forget what is committed.
    killPoint('beforeCommitLog', batch.id)
    await this.lock!.assertHeld()
    const commit = { nextBatchWatermarkMs: this.watermarkMs, offsetsSha256: offsetsDigest(batch.logged) }
    if (!(await this.checkpoint.commits.add(batch.id, commit))) {
      throw new CheckpointError(
        `CONCURRENT_QUERY: ${this.checkpoint.commits.fileOf(batch.id)} was written by someone else while this query ran batch ${batch.id}. Two runs must not share a checkpointLocation; stop the other one.`,
        'CONCURRENT_QUERY',
      )
    }
    killPoint('afterCommitLog', batch.id)
    for (let i = 0; i < this.sources.length; i++) await this.sources[i].commit(batch.ends[i])
    this.committed = [...batch.ends]
    this.nextBatchId = batch.id + 1
    await this.purgeOldLogs(batch.id)
    const t4 = performance.now()
    this.reportProgress(batch, startedAt, sourceRows, outputRows, dropped, eventTime?.stats ?? null, {
      ...batch.durations,
      getBatch: t1 - t0,
      queryPlanning: 0,
      addBatch: t3 - t1,
      commitOffsets: t4 - t3,
      triggerExecution: (batch.durations.latestOffset ?? 0) + (batch.durations.walCommit ?? 0) + (t4 - t0),
    })
  }

  private async purgeOldLogs(batchId: number): Promise<void> {
    const keepFrom = batchId - this.config.minBatchesToRetain + 1
    if (keepFrom <= 0 || batchId % 10 !== 0) return
    await this.checkpoint.offsets.purgeBefore(keepFrom)
    await this.checkpoint.commits.purgeBefore(keepFrom)
    await this.executor?.maintain(keepFrom)
  }

  private reportProgress(
    batch: PlannedBatch,
    startedAt: number,
    sourceRows: number[],
    outputRows: number,
    dropped: number,
    eventStats: EventTimeStats | null,
    durationMs: Partial<DurationMs>,
  ): void {
    const full: DurationMs = {
      latestOffset: 0,
      getBatch: 0,
      walCommit: 0,
      queryPlanning: 0,
      addBatch: 0,
      commitOffsets: 0,
      triggerExecution: 0,
      ...durationMs,
    }
    for (const k of Object.keys(full) as (keyof DurationMs)[]) full[k] = Math.round(full[k])
    const previous = this.lastProgress
    const sinceLast = previous ? Math.max(1, startedAt - Date.parse(previous.timestamp)) : 0
    const totalIn = sourceRows.reduce((a, b) => a + b, 0)
    const processingSec = Math.max(full.triggerExecution, 1) / 1000
    const sources: SourceProgress[] = this.sources.map((s, i) => ({
      description: s.description,
      startOffset: batch.starts[i],
      endOffset: batch.ends[i],
      latestOffset: batch.ends[i],
      numInputRows: sourceRows[i],
      inputRowsPerSecond: sinceLast ? (sourceRows[i] * 1000) / sinceLast : 0,
      processedRowsPerSecond: sourceRows[i] / processingSec,
      metrics: s.metrics?.() ?? {},
    }))
    const progress: StreamingQueryProgress = {
      id: this.id,
      runId: this.runId,
      name: this.config.name ?? null,
      timestamp: new Date(startedAt).toISOString(),
      batchId: batch.id,
      batchDuration: full.triggerExecution,
      numInputRows: totalIn,
      inputRowsPerSecond: sinceLast ? (totalIn * 1000) / sinceLast : 0,
      processedRowsPerSecond: totalIn / processingSec,
      durationMs: full,
      eventTime: eventTimeProgress(batch.metadata.batchWatermarkMs, eventStats, this.hasEventTime),
      // The executor lists them sink first (Spark's order), summed over partitions on workers.
      stateOperators: (this.executor?.stateOperators() ?? []).map((op) => ({
        ...op,
        numShufflePartitions: this.statePartitions,
        numStateStoreInstances: this.statePartitions,
      })),
      sources,
      sink: {
        description: this.sink!.description,
        numOutputRows: outputRows,
        metrics: this.sink!.metrics?.() ?? {},
      },
      numDroppedMalformedRows: dropped,
      executor: this.executor?.progress(),
    }
    this.progressHistory.push(progress)
    if (this.progressHistory.length > 100) this.progressHistory.shift()
    this.config.events.onProgress(progress)
  }

  /** Resolves once a trigger that began after this call found no new data (or the query ended). */
  processAllAvailable(): Promise<void> {
    if (this.finished) return this.exception ? Promise.reject(this.exception) : Promise.resolve()
    return new Promise((resolve, reject) => {
      this.idleWaiters.push({ seq: this.triggerSeq + 1, resolve, reject })
    })
  }

  private resolveIdleWaiters(seq: number): void {
    const ready = this.idleWaiters.filter((w) => w.seq <= seq)
    this.idleWaiters = this.idleWaiters.filter((w) => w.seq > seq)
    for (const w of ready) w.resolve()
  }

  /** Asks the loop to stop after the batch in progress, and waits for it. */
  async stop(): Promise<void> {
    this.stopRequested = true
    this.abort.abort()
    for (const s of this.sources) s.interrupt?.()
    await this.terminated
  }

  private async shutdown(): Promise<void> {
    const errors: unknown[] = []
    for (const s of this.sources) await s.stop().catch((e) => errors.push(e))
    await this.sink?.stop?.().catch((e: unknown) => errors.push(e))
    await this.executor?.close().catch((e: unknown) => errors.push(e))
    await this.lock?.release()
    if (this.config.deleteCheckpointOnStop && !this.exception) {
      await fs.rm(this.config.checkpointDir, { recursive: true, force: true })
    }
    this.finished = true
    for (const w of this.idleWaiters) this.exception ? w.reject(this.exception) : w.resolve()
    this.idleWaiters = []
    this.status = { message: 'Stopped', isDataAvailable: false, isTriggerActive: false }
    this.config.events.onTerminated(this.exception)
    this.resolveTerminated()
  }
}

/**
 * Spark's progress.eventTime: the batch's watermark and its event times, as ISO strings;
 * empty when the query has no withWatermark.
 */
function eventTimeProgress(
  watermarkMs: number,
  stats: EventTimeStats | null,
  tracked: boolean,
): Record<string, string> {
  const out: Record<string, string> = {}
  if (!tracked) return out
  out.watermark = new Date(watermarkMs).toISOString()
  if (stats && stats.count > 0) {
    out.max = new Date(stats.max).toISOString()
    out.min = new Date(stats.min).toISOString()
    // Spark truncates the average to whole milliseconds (avg.toLong).
    out.avg = new Date(Math.trunc(stats.avg)).toISOString()
  }
  return out
}

function hasEventTimeWatermark(op: PhysicalOperator): boolean {
  return op instanceof EventTimeWatermark || op.children.some(hasEventTimeWatermark)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
