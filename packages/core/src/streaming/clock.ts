/**
 * Time for triggers and timeouts. Tests swap in a ManualClock (`@tributary/testing`) so
 * that processing-time behaviour runs without waiting.
 */
export interface Clock {
  now(): number
  /** Resolves at `time` or when `signal` aborts, whichever is first. */
  waitUntil(time: number, signal: AbortSignal): Promise<void>
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now()
  }
  waitUntil(time: number, signal: AbortSignal): Promise<void> {
    const delay = time - Date.now()
    if (delay <= 0 || signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay)
      function done() {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/** A clock that moves only when told to: `advance(ms)` wakes whatever waits. */
export class ManualClock implements Clock {
  private time: number
  private waiters: { time: number; resolve: () => void }[] = []

  constructor(startMs = 0) {
    this.time = startMs
  }
  now(): number {
    return this.time
  }
  advance(ms: number): void {
    this.setTime(this.time + ms)
  }
  setTime(ms: number): void {
    this.time = ms
    const due = this.waiters.filter((w) => w.time <= ms)
    this.waiters = this.waiters.filter((w) => w.time > ms)
    for (const w of due) w.resolve()
  }
  /** True when something waits on this clock (a trigger between batches). */
  get isWaiting(): boolean {
    return this.waiters.length > 0
  }
  waitUntil(time: number, signal: AbortSignal): Promise<void> {
    if (time <= this.time || signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const w = { time, resolve }
      this.waiters.push(w)
      signal.addEventListener(
        'abort',
        () => {
          this.waiters = this.waiters.filter((x) => x !== w)
          resolve()
        },
        { once: true },
      )
    })
  }
}
