/** session.streams: the active queries of a session and the listener bus. */
import type { StreamingQueryException } from '../util/errors.js'
import type { StreamingQueryProgress } from './progress.js'
import type { StreamingQuery } from './streaming-query.js'

export interface QueryStartedEvent {
  readonly id: string
  readonly runId: string
  readonly name: string | null
  readonly timestamp: string
}
export interface QueryIdleEvent {
  readonly id: string
  readonly runId: string
  readonly timestamp: string
}
export interface QueryTerminatedEvent {
  readonly id: string
  readonly runId: string
  readonly exception: string | null
  /** The failure's error code (Spark 3.5's errorClassOnException), or null. */
  readonly errorClassOnException: string | null
}

/** Spark's StreamingQueryListener; every method is optional. */
export interface StreamingQueryListener {
  onQueryStarted?(event: QueryStartedEvent): void
  onQueryProgress?(event: { readonly progress: StreamingQueryProgress }): void
  onQueryIdle?(event: QueryIdleEvent): void
  onQueryTerminated?(event: QueryTerminatedEvent): void
}

export class StreamingQueryManager {
  private readonly queries = new Map<string, StreamingQuery>()
  private readonly listeners = new Set<StreamingQueryListener>()
  private terminationWaiters: { resolve: (q: StreamingQuery) => void; reject: (e: unknown) => void }[] = []

  get active(): StreamingQuery[] {
    return [...this.queries.values()].filter((q) => q.isActive)
  }

  get(id: string): StreamingQuery | undefined {
    return this.queries.get(id)
  }

  addListener(listener: StreamingQueryListener): void {
    this.listeners.add(listener)
  }

  removeListener(listener: StreamingQueryListener): void {
    this.listeners.delete(listener)
  }

  /** Resolves when any query of the session ends; rejects with its exception if it failed. */
  awaitAnyTermination(): Promise<StreamingQuery> {
    return new Promise((resolve, reject) => this.terminationWaiters.push({ resolve, reject }))
  }

  /** Waits for every active query to stop (used by session.stop()). */
  async stopAll(): Promise<void> {
    await Promise.all(this.active.map((q) => q.stop()))
  }

  /** @internal told when a listener throws (the session logs it at warn level). */
  onListenerError: ((kind: string, error: unknown) => void) | null = null

  /** @internal every query started in this session, active or not, newest last. */
  get all(): StreamingQuery[] {
    return [...this.queries.values()]
  }

  /** @internal whether someone waits in awaitAnyTermination (they will see a failure). */
  get awaited(): boolean {
    return this.terminationWaiters.length > 0
  }

  /** @internal */
  register(query: StreamingQuery): void {
    const running = this.queries.get(query.id)
    if (running?.isActive) {
      throw new Error(
        `CONCURRENT_QUERY: a query with id ${query.id} (same checkpoint) is already active in this session. Stop it first.`,
      )
    }
    this.queries.set(query.id, query)
  }

  /** @internal */
  emit<K extends keyof StreamingQueryListener>(
    kind: K,
    event: Parameters<NonNullable<StreamingQueryListener[K]>>[0],
  ): void {
    for (const l of this.listeners) {
      const f = l[kind] as ((e: typeof event) => void) | undefined
      try {
        f?.call(l, event)
      } catch (e) {
        // A listener's failure must not stop the query (Spark logs and goes on).
        this.onListenerError?.(kind, e)
      }
    }
  }

  /** @internal */
  terminated(query: StreamingQuery, exception: StreamingQueryException | null): void {
    const waiters = this.terminationWaiters
    this.terminationWaiters = []
    for (const w of waiters) exception ? w.reject(exception) : w.resolve(query)
  }
}
