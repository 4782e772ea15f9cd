/**
 * df.write and df.writeStream. Each call returns a new writer; start() validates the
 * query, opens the checkpoint and returns the running StreamingQuery.
 */
import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Subject } from 'rxjs'
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { sinkProvider } from '../formats/registry.js'
import { AvailableNowBar, progressBarWanted } from '../observe/progress-bar.js'
import { QueryLog } from '../observe/query-log.js'
import { requiredColumnsOf } from '../plan/column-pruning.js'
import { checkBatchPlan, checkStreamingPlan } from '../plan/streaming-rules.js'
import { type DeadLetterHandler, deadLetterDelivery } from '../sinks/dead-letters.js'
import { type ForeachWriter, foreachBatchProvider, foreachProvider } from '../sinks/foreach-sinks.js'
import { ObservableSink } from '../sinks/observable-sink.js'
import type { OutputMode, SaveMode, Sink, SinkProvider } from '../sinks/sink.js'
import { type Clock, SystemClock } from '../streaming/clock.js'
import { MicroBatchExecution } from '../streaming/micro-batch-execution.js'
import type { StreamingQueryProgress } from '../streaming/progress.js'
import { StreamingQuery } from '../streaming/streaming-query.js'
import { defaultTrigger, parseTrigger, type Trigger, type TriggerSpec } from '../streaming/trigger.js'
import type { ColumnName } from '../types/row-types.js'
import { AnalysisError, OptionError } from '../util/errors.js'
import { Options, type OptionsInput, type OptionValue } from '../util/options.js'
import { redactOptions, showOnly } from '../util/redact.js'
import { executeBatch } from './batch-execution.js'
import type { DataFrame } from './dataframe.js'

interface WriterState {
  readonly format: string | SinkProvider | undefined
  readonly options: Readonly<Record<string, OptionValue>>
  readonly partitionBy: readonly string[]
}

function mergeOptions(state: WriterState, options: OptionsInput): Record<string, OptionValue> {
  const merged: Record<string, OptionValue> = { ...state.options }
  for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v
  return merged
}

function checkPartitionColumns(df: DataFrame<unknown>, cols: readonly string[]): void {
  for (const c of cols) df.schema.field(c)
}

interface StreamWriterState extends WriterState {
  readonly outputMode: OutputMode
  readonly queryName: string | undefined
  readonly trigger: Trigger
  readonly clock: Clock | undefined
  readonly lateRows: LateRowsHandler | undefined
  readonly deadLetters?: DeadLetterHandler
}

/** Where rows go that a stateful operator drops as late: a function, or a Sink. */
export type LateRowsHandler =
  | ((
      rows: Record<string, unknown>[],
      info: { readonly batchId: number; readonly operator: string },
    ) => void | Promise<void>)
  | Sink

export class DataStreamWriter<R> {
  constructor(
    private readonly df: DataFrame<R>,
    private readonly state: StreamWriterState = {
      format: undefined,
      options: {},
      partitionBy: [],
      outputMode: 'append',
      queryName: undefined,
      trigger: defaultTrigger,
      clock: undefined,
      lateRows: undefined,
    },
  ) {}

  private with(patch: Partial<StreamWriterState>): DataStreamWriter<R> {
    return new DataStreamWriter(this.df, { ...this.state, ...patch })
  }

  /** append: new rows only; update: rows changed in the batch; complete: the whole result every batch. */
  outputMode(mode: OutputMode): DataStreamWriter<R> {
    const m = String(mode).toLowerCase()
    if (m !== 'append' && m !== 'update' && m !== 'complete') {
      throw new OptionError(
        `outputMode('${mode}'): use 'append', 'update' or 'complete'.`,
        'INVALID_OUTPUT_MODE',
      )
    }
    return this.with({ outputMode: m })
  }

  /** 'console', 'memory', 'json', 'csv', 'parquet', a connector's name, or a SinkProvider. */
  format(format: string | SinkProvider): DataStreamWriter<R> {
    return this.with({ format })
  }

  option(key: string, value: OptionValue): DataStreamWriter<R> {
    return this.with({ options: { ...this.state.options, [key]: value } })
  }

  options(options: OptionsInput): DataStreamWriter<R> {
    return this.with({ options: mergeOptions(this.state, options) })
  }

  /** Output folders by the values of these columns (file sinks). */
  partitionBy(...cols: ColumnName<R>[]): DataStreamWriter<R> {
    return this.with({ partitionBy: cols })
  }

  queryName(name: string): DataStreamWriter<R> {
    return this.with({ queryName: name })
  }

  /** { processingTime: '10 seconds' } | { once: true } | { availableNow: true }. */
  trigger(trigger: TriggerSpec): DataStreamWriter<R> {
    return this.with({ trigger: parseTrigger(trigger) })
  }

  /**
   * Rows that stateful operators drop as late (older than the watermark) go here instead
   * of vanishing (Spark only counts them). A function gets the rows and the batch id; a
   * Sink gets them with addBatch. Delivery is at least once: a replayed batch delivers its
   * late rows again, with the same batch id.
   */
  withLateRows(handler: LateRowsHandler): DataStreamWriter<R> {
    return this.with({ lateRows: handler })
  }

  /**
   * Records that sources could not read (malformed JSON, ragged CSV rows, undecodable
   * files...) go here with their position and the error, instead of only being counted:
   * a function `(letters, { batchId })`, a Sink, or a sink format and path such as
   * `{ format: 'json', path: '/data/dead-letters' }` (written exactly once per batch id).
   * Delivered before the batch's output, again after a crash that replays the batch.
   */
  withDeadLetters(handler: DeadLetterHandler): DataStreamWriter<R> {
    return this.with({ deadLetters: handler })
  }

  /** The clock for processing-time triggers; tests pass a ManualClock. */
  clock(clock: Clock): DataStreamWriter<R> {
    return this.with({ clock })
  }

  /** Calls fn with each micro-batch as a batch DataFrame and its id (the same id again on replay). */
  foreachBatch(fn: (batch: DataFrame<R>, batchId: number) => Promise<void> | void): DataStreamWriter<R> {
    const session = this.df.session
    return this.with({
      format: foreachBatchProvider(fn as (b: DataFrame<unknown>, id: number) => Promise<void>, (batch) =>
        session.createDataFrame(batch),
      ),
    })
  }

  /** Calls the writer for every row, with open/close around each batch. */
  foreach(writer: ForeachWriter<R>): DataStreamWriter<R> {
    return this.with({ format: foreachProvider(writer) })
  }

  /** Routes the results to an ObservableSink whose rows$ and batches$ emit them; call start() after subscribing. */
  toObservable(): { sink: ObservableSink<R>; writer: DataStreamWriter<R> } {
    const sink = new ObservableSink<R>()
    return { sink, writer: this.with({ format: sink.provider }) }
  }

  /** Validates the query, opens its checkpoint and starts it. Rejects on errors found before the first batch. */
  async start(path_?: string): Promise<StreamingQuery> {
    const { df, state } = this
    const session = df.session
    const plan = df.plan
    const lookup = (k: string) => session.conf.get(k)
    checkStreamingPlan(plan, state.outputMode, lookup, (message) =>
      session.logSettings.logger(lookup).log('warn', message),
    )
    const provider = sinkProvider(state.format ?? 'parquet')
    const options = new Options(state.options, `sink '${provider.name}'`)
    if (provider.knownOptions) options.checkKnown([...provider.knownOptions, 'path', 'checkpointLocation'])
    checkPartitionColumns(df as DataFrame<unknown>, state.partitionBy)
    const where = path_ ?? options.get('path')

    let checkpointDir = options.get('checkpointLocation')
    const root = session.conf.get('tributary.sql.streaming.checkpointLocation')
    if (!checkpointDir && root && state.queryName) checkpointDir = path.join(root, state.queryName)
    let temporary = false
    if (!checkpointDir) {
      if (!provider.allowsTemporaryCheckpoint) {
        throw new AnalysisError(
          `CHECKPOINT_LOCATION_REQUIRED: the ${provider.name} sink needs a checkpoint to give exactly-once output. Add .option('checkpointLocation', '/path/to/dir'), or set tributary.sql.streaming.checkpointLocation and a queryName.`,
          'CHECKPOINT_LOCATION_REQUIRED',
        )
      }
      checkpointDir = path.join(tmpdir(), `tributary-checkpoint-${randomUUID()}`)
      temporary = true
    }

    const progress = new Subject<StreamingQueryProgress>()
    const manager = session.streams
    let query: StreamingQuery | undefined
    const conf = (k: string) => session.conf.get(k)
    const idleEventIntervalMs = Number(
      session.conf.get('tributary.streaming.noDataProgressEventInterval', '10000'),
    )
    let lastIdleEventMs: number | null = null
    // Trigger.AvailableNow on a terminal: a progress bar, which then stands for the batch summary lines.
    const bar =
      state.trigger.kind === 'availableNow' && progressBarWanted(conf, session.progressBarStream)
        ? new AvailableNowBar(state.queryName ?? 'availableNow', session.progressBarStream)
        : null
    const batchLevel = bar ? 'debug' : session.logSettings.batchLevel(conf)
    const log = new QueryLog(session.logSettings.logger(conf), batchLevel, () => ({
      id: execution.id,
      runId: execution.runId,
      name: state.queryName ?? null,
    }))
    const deadLetters = state.deadLetters
      ? deadLetterDelivery(state.deadLetters, session, () => execution.id)
      : undefined
    const execution: MicroBatchExecution = new MicroBatchExecution({
      plan,
      checkpointDir,
      deleteCheckpointOnStop: temporary,
      trigger: state.trigger,
      clock: state.clock ?? new SystemClock(),
      name: state.queryName,
      conf,
      minBatchesToRetain: Number(session.conf.get('tributary.sql.streaming.minBatchesToRetain', '100')),
      outputMode: state.outputMode,
      lateRows: lateRowsCallback(state.lateRows),
      deadLetters: deadLetters
        ? async (batchId, letters) => {
            await deadLetters.deliver(batchId, letters)
            session.monitor.deadLettersDelivered(execution.id, letters.length)
          }
        : undefined,
      pollingDelayMs: Number(session.conf.get('tributary.sql.streaming.pollingDelay', '10')),
      createSource: async (spec, sourcePlan, metadataDir) =>
        spec.provider.createSource({
          options: spec.options,
          schema: sourcePlan.schema,
          path: spec.path,
          metadataDir,
          bounded: false,
          requiredColumns: requiredColumnsOf(plan, sourcePlan),
          warn: (message) => log.logger.log('warn', message),
        }),
      createSink: async () =>
        provider.createSink({
          options,
          schema: df.schema as never,
          outputMode: state.outputMode,
          partitionBy: state.partitionBy,
          queryName: state.queryName,
          queryId: execution.id,
          path: where,
          session,
          bounded: false,
        }),
      events: {
        onStarted: () => {
          log.started({
            trigger: state.trigger.kind,
            outputMode: state.outputMode,
            checkpoint: temporary ? '(temporary)' : checkpointDir,
          })
          manager.emit('onQueryStarted', {
            id: execution.id,
            runId: execution.runId,
            name: state.queryName ?? null,
            timestamp: new Date().toISOString(),
          })
        },
        onProgress: (p) => {
          lastIdleEventMs = null
          bar?.update(p)
          log.progress(p)
          progress.next(p)
          manager.emit('onQueryProgress', { progress: p })
        },
        onIdle: () => {
          // Once when the query goes idle, then at most every noDataProgressEventInterval (as
          // Spark), not on every empty poll: a listener must not read idle between batches.
          // once and availableNow end when they run out of data; data past their end may be waiting.
          if (state.trigger.kind === 'once' || state.trigger.kind === 'availableNow') return
          const now = Date.now()
          if (lastIdleEventMs !== null && now - lastIdleEventMs < idleEventIntervalMs) return
          lastIdleEventMs = now
          log.idle()
          manager.emit('onQueryIdle', {
            id: execution.id,
            runId: execution.runId,
            timestamp: new Date().toISOString(),
          })
        },
        onTerminated: (error) => {
          void deadLetters?.stop().catch(() => {})
          bar?.stop()
          // Before the waiters are released: whether anyone will see the failure decides its level.
          const awaited = Boolean(query?.awaited || manager.awaited || progress.observed)
          log.terminated(error, awaited)
          // A failure no caller will see must not end the process with 0 (docs/operations.md);
          // an exit code set before is kept, and a listener that handles it may set 0.
          if (error && !awaited && process.exitCode === undefined) process.exitCode = 1
          if (error) progress.error(error)
          else progress.complete()
          manager.emit('onQueryTerminated', {
            id: execution.id,
            runId: execution.runId,
            exception: error?.message ?? null,
            errorClassOnException: error?.code ?? null,
          })
          if (query) manager.terminated(query, error)
        },
      },
    })
    await session.metrics.serveByDefault(log.logger, conf)
    try {
      await execution.initialize()
    } catch (e) {
      if (temporary) await fs.rm(checkpointDir, { recursive: true, force: true })
      throw e
    }
    query = new StreamingQuery(execution, state.queryName ?? null, progress, plan)
    manager.register(query)
    void execution.run()
    return query
  }
}

function lateRowsCallback(
  handler: LateRowsHandler | undefined,
): ((batchId: number, operator: string, rows: ColumnarBatch<unknown>) => Promise<void>) | undefined {
  if (!handler) return undefined
  if (typeof handler === 'function') {
    return async (batchId, operator, rows) =>
      handler(rows.toRows() as Record<string, unknown>[], { batchId, operator })
  }
  return (batchId, _operator, rows) => handler.addBatch(batchId, rows)
}

/** df.write: saves a batch DataFrame once. */
export class DataFrameWriter<R> {
  constructor(
    private readonly df: DataFrame<R>,
    private readonly state: WriterState & { readonly mode: SaveMode } = {
      format: undefined,
      options: {},
      partitionBy: [],
      mode: 'errorifexists',
    },
  ) {}

  private with(patch: Partial<WriterState & { mode: SaveMode }>): DataFrameWriter<R> {
    return new DataFrameWriter(this.df, { ...this.state, ...patch })
  }

  format(format: string | SinkProvider): DataFrameWriter<R> {
    return this.with({ format })
  }
  /** What to do when the target exists: 'errorifexists' (default), 'append', 'overwrite', 'ignore'. */
  mode(mode: SaveMode | 'error' | 'default'): DataFrameWriter<R> {
    const m = String(mode).toLowerCase()
    const normalized = m === 'error' || m === 'default' ? 'errorifexists' : m
    if (!['append', 'overwrite', 'errorifexists', 'ignore'].includes(normalized)) {
      throw new OptionError(
        `mode('${mode}'): use 'append', 'overwrite', 'errorifexists' or 'ignore'.`,
        'INVALID_SAVE_MODE',
      )
    }
    return this.with({ mode: normalized as SaveMode })
  }
  option(key: string, value: OptionValue): DataFrameWriter<R> {
    return this.with({ options: { ...this.state.options, [key]: value } })
  }
  options(options: OptionsInput): DataFrameWriter<R> {
    return this.with({ options: mergeOptions(this.state, options) })
  }
  partitionBy(...cols: ColumnName<R>[]): DataFrameWriter<R> {
    return this.with({ partitionBy: cols })
  }

  async save(path_?: string): Promise<void> {
    const { df, state } = this
    checkBatchPlan(df.plan, 'write')
    const provider = sinkProvider(state.format ?? 'parquet')
    const options = new Options(state.options, `sink '${provider.name}'`)
    if (provider.knownOptions) options.checkKnown([...provider.knownOptions, 'path'])
    checkPartitionColumns(df as DataFrame<unknown>, state.partitionBy)
    const where = path_ ?? options.get('path')
    if (where) {
      const existing = await fs.readdir(where).catch(() => null)
      const exists = existing !== null && existing.length > 0
      if (exists && state.mode === 'errorifexists') {
        throw new AnalysisError(
          `PATH_ALREADY_EXISTS: ${where} already exists. Use mode('overwrite') to replace it, mode('append') to add to it, or mode('ignore') to do nothing.`,
          'PATH_ALREADY_EXISTS',
        )
      }
      if (exists && state.mode === 'ignore') return
      if (exists && state.mode === 'overwrite') await fs.rm(where, { recursive: true, force: true })
    }
    const data = await executeBatch(df.session, df.plan)
    const sink = await provider.createSink({
      options,
      schema: df.schema as never,
      outputMode: 'append',
      partitionBy: state.partitionBy,
      queryName: undefined,
      path: where,
      session: df.session,
      bounded: true,
      saveMode: state.mode,
    })
    await sink.addBatch(0, data)
    await sink.stop?.()
  }

  json(path_: string): Promise<void> {
    return this.format('json').save(path_)
  }
  csv(path_: string): Promise<void> {
    return this.format('csv').save(path_)
  }
  parquet(path_: string): Promise<void> {
    return this.format('parquet').save(path_)
  }
}

const sinkName = (f: string | SinkProvider | undefined): string | undefined =>
  typeof f === 'string' ? f : f?.name

// Writers hold their options, passwords included: printed, they show only what is safe.
showOnly(DataStreamWriter, (w) => {
  const state = (w as unknown as { state: StreamWriterState }).state
  return {
    format: sinkName(state.format),
    options: redactOptions(state.options),
    outputMode: state.outputMode,
    ...(state.queryName ? { queryName: state.queryName } : {}),
    ...(state.partitionBy.length > 0 ? { partitionBy: state.partitionBy } : {}),
  }
})
showOnly(DataFrameWriter, (w) => {
  const state = (w as unknown as { state: WriterState & { mode: SaveMode } }).state
  return {
    format: sinkName(state.format),
    options: redactOptions(state.options),
    mode: state.mode,
    ...(state.partitionBy.length > 0 ? { partitionBy: state.partitionBy } : {}),
  }
})
