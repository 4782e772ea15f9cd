/**
 * What a crash test runs: the query shapes, their input and their correct answer. Shared
 * by the child process that runs a query (crash-child.ts), the tests that check its output
 * (crash-harness.ts) and the soak (`npm run soak`).
 */
import { type OutputMode, schema } from '../../src/index.js'

export type Shape = 'stateless' | 'aggregate' | 'window' | 'dedup' | 'mapGroups' | 'join'
export type SinkKind = 'foreachBatch' | 'transactional' | 'json' | 'csv' | 'parquet'
export type SourceKind = 'counting' | 'files'

export interface CrashQuery {
  readonly checkpoint: string
  /** The sink's output folder. */
  readonly out: string
  readonly shape: Shape
  readonly outputMode: OutputMode
  readonly sink: SinkKind
  readonly source: SourceKind
  /** Rows of input: ids 0 .. total-1. */
  readonly total: number
  /** Counting source: rows per batch. Files: rows per file (maxFilesPerTrigger is 2). */
  readonly perBatch: number
  /** Folder of input files (source 'files'); written by writeInputFiles. */
  readonly input?: string
  readonly provider?: 'memory' | 'lmdb' | 'level'
  /**
   * Executor threads; set, the query runs on worker threads: without the map function that
   * holds the 'operator' kill point (a closure keeps a plan on the coordinating thread),
   * and the child runs from sources through tsx (a bundled engine has no worker entry).
   */
  readonly threads?: number
  /**
   * File source and sinks by their built-in names, without the child's kill points inside
   * reads and writes: with threads > 1 the workers then read the files and write the sink's
   * part files themselves (executor/io-tasks.ts).
   */
  readonly builtinFormats?: boolean
  /** File sinks: partitionBy('group'), so that each batch writes several files. */
  readonly partitionBy?: boolean
  /** Extra session settings (e.g. tributary.stateStore.lmdb.minFreeBytes on a small disk). */
  readonly conf?: Readonly<Record<string, string>>
  /** Appends `<batchId> <rss bytes>` per batch here (the soak's memory figures). */
  readonly statsFile?: string
}

export const inputSchema = schema({
  id: 'long',
  group: 'string',
  amount: 'double',
  ts: 'timestamp',
  key: 'string',
})

/** What each shape writes, to read the sink's files back. */
export const outputSchemas = {
  stateless: schema({ id: 'long', group: 'string', cents: 'long' }),
  dedup: schema({ key: 'string' }),
  aggregate: schema({ group: 'string', n: 'long', total: 'double' }),
  mapGroups: schema({ group: 'string', n: 'long', total: 'double' }),
  window: schema({ wstart: 'timestamp', group: 'string', n: 'long', total: 'double' }),
  join: schema({ id: 'long', group: 'string', amount: 'double' }),
} as const

export interface InputRow {
  readonly id: number
  readonly group: string
  readonly amount: number
  readonly ts: Date
  /** Each key appears twice, far apart: the deduplication input. */
  readonly key: string
}

export const GROUPS = 5
export const WINDOW_MS = 10_000
export const WATERMARK_DELAY_MS = 5_000

export function inputRow(id: number, total: number): InputRow {
  return {
    id,
    group: `g${id % GROUPS}`,
    amount: (id * 37) % 101,
    ts: new Date(id * 1000),
    key: `k${id % Math.ceil(total / 2)}`,
  }
}

/** The columns each shape outputs, in the order of the sink's schema. */
export interface OutputRow {
  readonly [column: string]: string | number
}

/**
 * The identity of an output row and the value it must have: a stateless row is its id;
 * an aggregate row is its group (and window), whose final value must equal the batch answer.
 */
export function rowKey(shape: Shape, r: OutputRow): string {
  switch (shape) {
    case 'stateless':
    case 'join':
      return String(r.id)
    case 'dedup':
      return String(r.key)
    case 'window':
      return `${r.wstart}/${r.group}`
    default:
      return String(r.group)
  }
}

/** The correct answer: what a batch query over all the input gives, keyed by rowKey. */
export function expectedAnswer(q: Pick<CrashQuery, 'shape' | 'total'>): Map<string, OutputRow> {
  const out = new Map<string, OutputRow>()
  const rows = Array.from({ length: q.total }, (_, id) => inputRow(id, q.total))
  switch (q.shape) {
    case 'stateless':
      for (const r of rows) out.set(String(r.id), { id: r.id, group: r.group, cents: r.amount * 100 })
      return out
    case 'dedup':
      for (const r of rows) if (!out.has(r.key)) out.set(r.key, { key: r.key })
      return out
    case 'join':
      for (const r of rows) out.set(String(r.id), { id: r.id, group: r.group, amount: r.amount })
      return out
    case 'aggregate':
    case 'mapGroups': {
      for (const r of rows) {
        const prev = out.get(r.group)
        out.set(r.group, {
          group: r.group,
          n: ((prev?.n as number) ?? 0) + 1,
          total: ((prev?.total as number) ?? 0) + r.amount,
        })
      }
      return out
    }
    case 'window': {
      // Append mode emits a window once the watermark passes its end; the last watermark
      // is the newest event time minus the delay.
      const watermark = (q.total - 1) * 1000 - WATERMARK_DELAY_MS
      for (const r of rows) {
        const wstart = Math.floor(r.ts.getTime() / WINDOW_MS) * WINDOW_MS
        if (wstart + WINDOW_MS > watermark) continue
        const k = `${wstart}/${r.group}`
        const prev = out.get(k)
        out.set(k, {
          wstart,
          group: r.group,
          n: ((prev?.n as number) ?? 0) + 1,
          total: ((prev?.total as number) ?? 0) + r.amount,
        })
      }
      return out
    }
  }
}

/** The comparison the tests assert on and the soak prints. */
export interface Verdict {
  /** Rows in the batch answer. */
  readonly expected: number
  /** Rows in the final result (the last value per key in update mode), duplicates included. */
  readonly found: number
  /** Keys delivered more often than the output mode allows. */
  readonly duplicates: number
  /** Keys missing, or whose final value differs from the batch answer. */
  readonly losses: number
  readonly problems: string[]
}

/**
 * Compares output batches (in batch id order) with the batch answer. Append mode must
 * deliver each key once; update mode may deliver a key again, and its last value counts;
 * complete mode's last batch is the whole answer.
 */
export function verify(
  q: Pick<CrashQuery, 'shape' | 'total' | 'outputMode'>,
  batches: OutputRow[][],
): Verdict {
  const expected = expectedAnswer(q)
  const problems: string[] = []
  const seen = new Map<string, number>()
  const last = new Map<string, OutputRow>()
  const considered = q.outputMode === 'complete' ? batches.slice(-1) : batches
  for (const batch of considered) {
    for (const r of batch) {
      const k = rowKey(q.shape, r)
      seen.set(k, (seen.get(k) ?? 0) + 1)
      last.set(k, r)
    }
  }
  let duplicates = 0
  let losses = 0
  for (const [k, n] of seen) {
    if (!expected.has(k)) {
      problems.push(`unexpected row ${k}`)
      duplicates += n
    } else if (n > 1 && q.outputMode === 'append') {
      problems.push(`row ${k} delivered ${n} times`)
      duplicates += n - 1
    }
  }
  for (const [k, want] of expected) {
    const got = last.get(k)
    if (!got) {
      losses++
      if (problems.length < 20) problems.push(`row ${k} missing`)
      continue
    }
    for (const [c, v] of Object.entries(want)) {
      if (got[c] !== v) {
        losses++
        if (problems.length < 20) problems.push(`row ${k}: ${c} is ${got[c]}, expected ${v}`)
        break
      }
    }
  }
  // Rows in the final result, plus the extra deliveries that should not be there.
  return { expected: expected.size, found: last.size + duplicates, duplicates, losses, problems }
}
