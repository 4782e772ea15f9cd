/**
 * The observable sink: results as rxjs Observables, for wiring a query into reactive code.
 * Within one run a replayed batch id is not emitted twice; across restarts delivery is at
 * least once (subscribers see a replayed batch again), since an Observable keeps no log.
 */
import { type Observable, Subject } from 'rxjs'
import type { SinkProvider } from './sink.js'

export interface ObservableBatch<R> {
  readonly batchId: number
  readonly rows: readonly R[]
}

export class ObservableSink<R = Record<string, unknown>> {
  private readonly rowSubject = new Subject<R>()
  private readonly batchSubject = new Subject<ObservableBatch<R>>()
  private lastBatchId = -1
  /** Every output row. Completes when the query stops. */
  readonly rows$: Observable<R> = this.rowSubject.asObservable()
  /** Every output batch with its id. Completes when the query stops. */
  readonly batches$: Observable<ObservableBatch<R>> = this.batchSubject.asObservable()

  /** The provider to pass to `writeStream.format(...)`. */
  readonly provider: SinkProvider & { allowsTemporaryCheckpoint: true } = {
    name: 'observable',
    knownOptions: ['checkpointLocation'],
    allowsTemporaryCheckpoint: true,
    createSink: () => ({
      description: 'ObservableSink',
      addBatch: async (batchId, data) => {
        if (batchId <= this.lastBatchId) return
        this.lastBatchId = batchId
        const rows = data.toRows() as R[]
        this.batchSubject.next({ batchId, rows })
        for (const r of rows) this.rowSubject.next(r)
      },
      stop: async () => {
        this.rowSubject.complete()
        this.batchSubject.complete()
      },
    }),
  }
}
