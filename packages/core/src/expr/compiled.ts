import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Vector } from '../batch/vector.js'
import type { DataType } from '../types/data-types.js'
import type { Expr } from './expr.js'

/** What an expression may read besides its batch. Fixed for a whole micro-batch. */
export interface EvalContext {
  /** `current_timestamp()` for this batch, from the offset log, so a replay sees the same value. */
  readonly batchTimestampMs: number
  /** IANA zone for date functions; 'UTC' unless `tributary.sql.session.timeZone` says otherwise. */
  readonly timeZone: string
}

/** A compiled expression: evaluates a whole batch column-at-a-time. */
export type Kernel = (batch: ColumnarBatch<unknown>, ctx: EvalContext) => Vector

export interface Compiled {
  readonly expr: Expr
  readonly name: string
  readonly type: DataType
  readonly evaluate: Kernel
  /** Set for literals, so functions can specialize on constant arguments (a regex compiled once). */
  readonly constant?: { readonly value: unknown }
}
