/** df.groupByKey(fn): arbitrary stateful processing per key with mapGroupsWithState / flatMapGroupsWithState. */
import type { GroupState, GroupStateTimeout } from '../exec/group-state.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import type { Schema } from '../types/schema.js'
import { DataFrame } from './dataframe.js'
import type { Session } from './session.js'

export class KeyValueGroupedData<K, R> {
  constructor(
    private readonly session: Session,
    private readonly plan: LogicalPlan,
    private readonly keyFn: (row: R) => K,
  ) {}

  /**
   * Calls fn once per key that has new rows (and again on timeouts), with the key's rows
   * and its GroupState; fn returns one output row. Update output mode only.
   */
  mapGroupsWithState<S, U>(
    timeout: GroupStateTimeout,
    fn: (key: K, rows: R[], state: GroupState<S>) => U,
    outputSchema: Schema<U>,
  ): DataFrame<U> {
    return this.make(fn as never, outputSchema, false, 'update', timeout)
  }

  /**
   * Like mapGroupsWithState, but fn returns any number of rows. `outputMode` says what the
   * rows mean and must match the query's: 'append' rows are final, 'update' rows replace
   * earlier ones for their key.
   */
  flatMapGroupsWithState<S, U>(
    outputMode: 'append' | 'update',
    timeout: GroupStateTimeout,
    fn: (key: K, rows: R[], state: GroupState<S>) => Iterable<U>,
    outputSchema: Schema<U>,
  ): DataFrame<U> {
    return this.make(fn as never, outputSchema, true, outputMode, timeout)
  }

  private make<U>(
    fn: (key: never, rows: never[], state: never) => unknown,
    schema: Schema<U>,
    flat: boolean,
    functionOutputMode: 'append' | 'update',
    timeout: GroupStateTimeout,
  ): DataFrame<U> {
    return new DataFrame<U>(this.session, {
      kind: 'groupsWithState',
      child: this.plan,
      keyFn: this.keyFn as (row: never) => unknown,
      fn,
      flat,
      functionOutputMode,
      timeout,
      schema: schema as Schema<unknown>,
    })
  }
}
