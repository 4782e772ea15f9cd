/**
 * Which buckets of one side of a stream-stream join hold rows that a state watermark may
 * remove: (bucket key, eviction time) entries, so that eviction visits the buckets the
 * watermark closes instead of every entry of the state store.
 *
 * Entries come in runs, one per batch (in arrival order, so a run's times are close
 * together) plus one sorted run of everything the store held when the index was built. A
 * run whose smallest time is above the watermark is skipped whole; a run the watermark
 * straddles is scanned and compacted. The index is exact: `take(at)` returns every key
 * with an entry at or below `at`, and those entries leave the index.
 */
interface Run {
  keys: string[]
  times: Float64Array
  /** Entries before `start` are taken (sorted runs only). */
  start: number
  length: number
  min: number
  max: number
  readonly sorted: boolean
}

export class EvictionIndex {
  private readonly runs: Run[] = []
  private keys: string[] = []
  private times: number[] = []

  /** Notes that bucket `key` holds a row (or is a bucket) the watermark removes once it reaches `t`. */
  add(key: string, t: number): void {
    this.keys.push(key)
    this.times.push(t)
  }

  /** Entries added so far and not taken (for tests). */
  get size(): number {
    let n = this.keys.length
    for (const r of this.runs) n += r.length - r.start
    return n
  }

  /** Ends the current run; `sorted` sorts it by time (worth it for a large run built at once). */
  seal(sorted = false): void {
    const n = this.keys.length
    if (n === 0) return
    let keys = this.keys
    let times = Float64Array.from(this.times)
    if (sorted) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b])
      keys = order.map((i) => this.keys[i])
      times = Float64Array.from(order, (i) => times[i])
    }
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (let i = 0; i < n; i++) {
      if (times[i] < min) min = times[i]
      if (times[i] > max) max = times[i]
    }
    this.runs.push({ keys, times, start: 0, length: n, min, max, sorted })
    this.keys = []
    this.times = []
  }

  /** The keys with an entry at or below `at` (each once); their entries leave the index. */
  take(at: number): Set<string> {
    this.seal()
    const out = new Set<string>()
    let w = 0
    for (let r = 0; r < this.runs.length; r++) {
      const run = this.runs[r]
      if (run.min <= at) {
        if (run.sorted) {
          let i = run.start
          while (i < run.length && run.times[i] <= at) out.add(run.keys[i++])
          run.start = i
          if (i < run.length) run.min = run.times[i]
        } else if (run.max <= at) {
          for (let i = 0; i < run.length; i++) out.add(run.keys[i])
          run.length = 0
        } else {
          let kept = 0
          let min = Number.POSITIVE_INFINITY
          for (let i = 0; i < run.length; i++) {
            const t = run.times[i]
            if (t <= at) out.add(run.keys[i])
            else {
              run.keys[kept] = run.keys[i]
              run.times[kept++] = t
              if (t < min) min = t
            }
          }
          run.keys.length = kept
          run.length = kept
          run.min = min
        }
      }
      if (run.start < run.length) this.runs[w++] = run
    }
    this.runs.length = w
    return out
  }
}
