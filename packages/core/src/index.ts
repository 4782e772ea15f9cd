/**
 * @packageDocumentation
 * Tributary: Structured Streaming for TypeScript. Start with {@link Session}.
 */

export { Column, type ColumnOrValue, NamedColumn } from './api/column.js'
export { ColumnOf, type ColumnOfShape } from './api/column-of.js'
export { DataFrame } from './api/dataframe.js'
export type { AvroOptions } from './api/functions.js'
export * as functions from './api/functions.js'
export {
  avg,
  col,
  collect_list,
  collect_set,
  count,
  countDistinct,
  explode,
  first,
  last,
  lit,
  max,
  min,
  sum,
  udf,
  when,
} from './api/functions.js'
export { GroupedData } from './api/grouped-data.js'
export type { JoinedRow, JoinHow } from './api/join.js'
export { KeyValueGroupedData } from './api/key-value-grouped.js'
export { DataFrameReader, DataStreamReader } from './api/readers.js'
export { RuntimeConfig } from './api/runtime-config.js'
export { Session, SessionBuilder } from './api/session.js'
export { DataFrameWriter, DataStreamWriter } from './api/writers.js'
export { loadArrow } from './batch/arrow.js'
export { ColumnarBatch } from './batch/columnar-batch.js'
export type { BoolVector, NumberVector, ObjectVector, Vector } from './batch/vector.js'
export { atomicWrite } from './checkpoint/atomic-file.js'
export type { GroupState, GroupStateTimeout } from './exec/group-state.js'
export { GroupStateError } from './exec/group-state.js'
export { registerSinkProvider, registerSourceProvider } from './formats/registry.js'
export type { LogFields, Logger, LogLevel, LogLevelSetting, PinoLike } from './observe/logger.js'
export { METRIC_PREFIX } from './observe/prometheus.js'
export type { ObserveServer, ServeOptions } from './observe/server.js'
export { SessionMetrics } from './observe/session-metrics.js'
export {
  DEAD_LETTER_SCHEMA,
  type DeadLetterHandler,
  type DeadLetterRecord,
  type DeadLetterSinkSpec,
} from './sinks/dead-letters.js'
export type { ForeachWriter } from './sinks/foreach-sinks.js'
export { type ObservableBatch, ObservableSink } from './sinks/observable-sink.js'
export type { OutputMode, SaveMode, Sink, SinkContext, SinkProvider } from './sinks/sink.js'
export { AvailableNowRange } from './sources/available-now.js'
export { MemoryStream } from './sources/memory-stream.js'
export {
  fromObservable,
  ObservableSource,
  type ObservableSourceOptions,
  observableSourceProvider,
} from './sources/observable-source.js'
export {
  RATE_SCHEMA,
  type RateRows,
  RateSource,
  rateRows,
  rateSourceProvider,
  valueAtSecond,
} from './sources/rate.js'
export {
  RateMicroBatchSource,
  rateMicroBatchRows,
  rateMicroBatchSourceProvider,
} from './sources/rate-micro-batch.js'
export {
  BUFFER_OPTIONS,
  type BufferFullPolicy,
  type BufferLimits,
  ReceiveBuffer,
  readBufferLimits,
} from './sources/receive-buffer.js'
export {
  SOCKET_SCHEMA,
  SOCKET_SCHEMA_WITH_TIMESTAMP,
  SocketSource,
  socketSourceProvider,
} from './sources/socket.js'
export type {
  DeadLetter,
  JsonValue,
  Offset,
  ReadLimit,
  SchemaContext,
  Source,
  SourceBatch,
  SourceContext,
  SourceProvider,
} from './sources/source.js'
export { SqlParseError } from './sql/parse-error.js'
export type { StateStore, StateStoreProvider } from './state/state-store.js'
export { type Clock, ManualClock, SystemClock } from './streaming/clock.js'
export type {
  DurationMs,
  ExecutorProgress,
  PartitionProgress,
  SinkProgress,
  SourceProgress,
  StateOperatorProgress,
  StreamingQueryProgress,
  StreamingQueryStatus,
  TaskProgress,
} from './streaming/progress.js'
export {
  type QueryIdleEvent,
  type QueryStartedEvent,
  type QueryTerminatedEvent,
  type StreamingQueryListener,
  StreamingQueryManager,
} from './streaming/query-manager.js'
export { StreamingQuery } from './streaming/streaming-query.js'
export type { TriggerSpec } from './streaming/trigger.js'
export * from './types/data-types.js'
export type { ColumnName, ColumnPath, JsOf, RowOf, Simplify } from './types/row-types.js'
export { type RowOfSchema, Schema, schema } from './types/schema.js'
export { schemaSource } from './types/schema-source.js'
export { nullable, type SchemaSpec, type TypeSpec } from './types/type-spec.js'
export { parseDuration } from './util/duration.js'
export {
  AnalysisError,
  CheckpointError,
  MalformedRecordError,
  OptionError,
  StorageError,
  StreamingQueryException,
  TributaryError,
} from './util/errors.js'
export { Options } from './util/options.js'
export { isSecretOption, REDACTED, redactOptions, redactText, showOnly } from './util/redact.js'
