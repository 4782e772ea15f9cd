/** Helpers shared by the approximate-aggregate tests: seeded data, columnar frames, micro-batch runs. */
import {
  ColumnarBatch,
  type DataFrame,
  MemoryStream,
  type NumberVector,
  type Schema,
  type Session,
} from '../../src/index.js'
import { tempDir } from '../helpers.js'

/** A seeded uniform [0, 1) generator (mulberry32), so every run sees the same data. */
export function seeded(seed: number): () => number {
  let s = seed | 0
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher-Yates, in place, with a seeded generator. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = items[i]
    items[i] = items[j]
    items[j] = t
  }
  return items
}

/**
 * A frame of number-backed columns built straight from Float64Arrays (NaN = null), for
 * inputs of a million rows that would be slow to spell out as row objects.
 */
export function numericFrame<R>(
  session: Session,
  sch: Schema<R>,
  columns: Readonly<Record<string, Float64Array>>,
): DataFrame<R> {
  const n = Object.values(columns)[0].length
  const vectors = sch.fields.map((f): NumberVector => {
    const values = columns[f.name]
    let validity: Uint8Array | null = null
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(values[i])) {
        validity ??= new Uint8Array(n).fill(1)
        validity[i] = 0
      }
    }
    return { kind: 'number', type: f.type, length: n, values, validity }
  })
  return session.createDataFrame(new ColumnarBatch(sch, vectors, n))
}

export type Rows = Record<string, unknown>[]

/**
 * Runs `query` over a MemoryStream in complete mode into the memory sink, one micro-batch
 * per element of `batches`. With `restartAfter`, the query is stopped after that many
 * batches and a new one resumes from the checkpoint, so the state goes through its files.
 */
export async function completeModeOverBatches<R, O>(
  session: Session,
  sch: Schema<R>,
  batches: readonly (readonly R[])[],
  query: (df: DataFrame<R>) => DataFrame<O>,
  restartAfter?: number,
): Promise<{ rows: Rows; microBatches: number }> {
  const input = new MemoryStream(session, sch)
  const checkpoint = tempDir('tributary-approx-')
  const name = `approx_${Math.random().toString(36).slice(2)}`
  const start = () =>
    query(input.toDF())
      .writeStream.format('memory')
      .queryName(name)
      .outputMode('complete')
      .option('checkpointLocation', checkpoint)
      .start()
  let q = await start()
  let microBatches = 0
  for (let i = 0; i < batches.length; i++) {
    if (restartAfter !== undefined && i === restartAfter) {
      await q.stop()
      q = await start()
    }
    input.addData(batches[i])
    await q.processAllAvailable()
    microBatches++
  }
  const rows = (await session.table(name).collect()) as Rows
  await q.stop()
  return { rows, microBatches }
}

/** Rows ordered by a key column, for comparing results regardless of group order. */
export function byKey(rows: Rows, key = 'k'): Rows {
  return [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])))
}

/** Splits rows into `parts` consecutive slices of uneven sizes. */
export function split<T>(rows: readonly T[], parts: number, random: () => number): T[][] {
  const cuts = new Set<number>()
  while (cuts.size < parts - 1) cuts.add(1 + Math.floor(random() * (rows.length - 1)))
  const ends = [...cuts].sort((a, b) => a - b)
  const out: T[][] = []
  let from = 0
  for (const end of [...ends, rows.length]) {
    out.push(rows.slice(from, end))
    from = end
  }
  return out
}
