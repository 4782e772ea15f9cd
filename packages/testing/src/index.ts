/**
 * @packageDocumentation
 * The Tributary test kit: script a streaming query's input, clock and restarts, and check
 * what it writes at each step.
 */

export { ManualClock } from '@tributary/core'
export {
  AddData,
  AdvanceManualClock,
  AssertNumRowsDroppedByWatermark,
  AssertNumStateRows,
  AssertOnQuery,
  BetweenRuns,
  type BetweenRunsContext,
  CheckAnswer,
  CheckAnswerInOrder,
  CheckLastBatch,
  CheckNewAnswer,
  ExpectFailure,
  MultiAddData,
  type StartOptions,
  StartStream,
  type StateCheck,
  StopStream,
  type StreamAction,
} from './actions.js'
export { probeTcp, requireService, type ServiceCheck, servicesRequired } from './services.js'
export { StreamTestFailure, type TestStreamOptions, testStream } from './test-stream.js'
