/**
 * Sources read in the workers: a file job gives the same output on 1, 2 and 4 threads and
 * with any number of files, whether the workers only read and parse (a memory sink, an
 * aggregation) or also write the sink's part files (a file sink; its content compared as a
 * set of rows, since each worker writes files of its own).
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { col, count, functions as F, type Session, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const clicks = schema({ id: 'long', country: 'string', url: 'string', ms: 'long' })
type Click = { id: number; country: string; url: string; ms: number }

const click = fc.record({
  country: fc.constantFrom('FR', 'US', 'De', 'jp', 'É'),
  url: fc.string({ maxLength: 12 }),
  ms: fc.integer({ min: 0, max: 2_000 }),
})

/** The rows cut into files at the given points (empty files included), written as JSON lines. */
async function writeFiles(dir: string, rows: Click[], cuts: number[]): Promise<number> {
  const points = [...cuts.map((c) => c % (rows.length + 1)), rows.length].sort((a, b) => a - b)
  let from = 0
  let f = 0
  for (const p of points) {
    const lines = rows.slice(from, Math.max(from, p)).map((r) => JSON.stringify(r))
    await fs.writeFile(path.join(dir, `part-${String(f++).padStart(3, '0')}.json`), lines.join('\n'))
    from = Math.max(from, p)
  }
  return f
}

function session(threads: number, split = false): Session {
  return newSession({
    'tributary.executor.threads': String(threads),
    // Workers read every batch, however small (the default keeps batches under 1 MiB here).
    'tributary.executor.minWorkerReadBytes': '0',
    // With fewer files than threads, cut files into splits of any size (the default: 4 MiB).
    ...(split ? { 'tributary.executor.minSplitBytes': '1' } : {}),
  })
}

const etl = (s: Session, input: string, maxFiles: number) =>
  s.readStream
    .format('json')
    .schema(clicks)
    .option('maxFilesPerTrigger', String(maxFiles))
    .load(input)
    .where(col('ms').gt(100))
    .select(col('id'), F.lower(col('country')).alias('country'), col('ms'))

async function untilDone(q: { awaitTermination(): Promise<unknown>; exception: unknown }): Promise<void> {
  await q.awaitTermination()
  if (q.exception) throw q.exception
}

describe('sources read by the workers', () => {
  it('JSON files → filter, project, lower() → parquet: the same rows on 1, 2 and 4 threads, any file count', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(click, { minLength: 0, maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (raw, cuts, maxFiles, partitioned, split) => {
          const rows = raw.map((r, id) => ({ id, ...r }))
          const input = tempDir()
          await writeFiles(input, rows, cuts)
          const expected = rows
            .filter((r) => r.ms > 100)
            .map((r) => JSON.stringify({ id: r.id, country: r.country.toLowerCase(), ms: r.ms }))
            .sort()
          for (const threads of [1, 2, 4]) {
            const s = session(threads, split)
            const out = tempDir()
            const w = etl(s, input, maxFiles).writeStream.format('parquet')
            const q = await (partitioned ? w.partitionBy('country') : w)
              .option('checkpointLocation', tempDir())
              .trigger({ availableNow: true })
              .start(out)
            await untilDone(q)
            if (threads > 1 && rows.length > 0) {
              const p = q.recentProgress.find((x) => x.numInputRows > 0)
              expect(p?.executor?.tasks.length).toBeGreaterThan(0)
            }
            const got = (
              await s.read
                .format('parquet')
                .schema(schema({ id: 'long', country: 'string', ms: 'long' }))
                .load(out)
                .collect()
            )
              .map((r) => JSON.stringify({ id: r.id, country: r.country, ms: r.ms }))
              .sort()
            expect(got).toEqual(expected)
            expect(q.recentProgress.reduce((n, p) => n + p.numInputRows, 0)).toBe(rows.length)
          }
        },
      ),
      { numRuns: 3 },
    )
  })

  it('JSON files → memory sink, and → a count per country: the same batches, in the same order, on 1, 2 and 4 threads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(click, { minLength: 1, maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (raw, cuts, maxFiles, split) => {
          const rows = raw.map((r, id) => ({ id, ...r }))
          const input = tempDir()
          await writeFiles(input, rows, cuts)
          const runs: { plain: string[][]; counts: string[][] }[] = []
          for (const threads of [1, 2, 4]) {
            const s = session(threads, split)
            const plain: string[][] = []
            const counts: string[][] = []
            const q1 = await etl(s, input, maxFiles)
              .writeStream.option('checkpointLocation', tempDir())
              .trigger({ availableNow: true })
              .foreachBatch(async (df) => {
                // Row order too: the workers read neighbouring files, and their outputs come back in file order.
                plain.push((await df.collect()).map((r) => JSON.stringify(r)))
              })
              .start()
            await untilDone(q1)
            const q2 = await etl(s, input, maxFiles)
              .groupBy('country')
              .agg(count().alias('n'), F.sum('ms').alias('total'))
              .writeStream.outputMode('complete')
              .option('checkpointLocation', tempDir())
              .trigger({ availableNow: true })
              .foreachBatch(async (df) => {
                counts.push((await df.collect()).map((r) => JSON.stringify(r)).sort())
              })
              .start()
            await untilDone(q2)
            if (threads > 1) {
              for (const q of [q1, q2]) {
                const p = q.recentProgress.find((x) => x.numInputRows > 0)
                expect(p?.executor?.tasks.length).toBeGreaterThan(0)
              }
            }
            runs.push({ plain, counts })
          }
          expect(runs[1]).toEqual(runs[0])
          expect(runs[2]).toEqual(runs[0])
        },
      ),
      { numRuns: 3 },
    )
  })

  it('malformed records met by the workers reach withDeadLetters with their file and line, as on one thread', async () => {
    const input = tempDir()
    const lines = Array.from({ length: 400 }, (_, i) =>
      i % 97 === 5 ? `{"id": "bad ${i}"` : JSON.stringify({ id: i, country: 'FR', url: 'u', ms: 500 }),
    )
    await fs.writeFile(path.join(input, 'a.json'), lines.slice(0, 250).join('\n'))
    await fs.writeFile(path.join(input, 'b.json'), lines.slice(250).join('\n'))
    const runs: unknown[] = []
    for (const threads of [1, 2, 4]) {
      const s = session(threads, true)
      const letters: unknown[] = []
      let rows = 0
      const q = await etl(s, input, 10)
        .writeStream.option('checkpointLocation', tempDir())
        .trigger({ availableNow: true })
        .withDeadLetters((ls) => {
          for (const l of ls) letters.push([path.basename(String(l.position.file)), l.position.line, l.raw])
        })
        .foreachBatch(async (df) => {
          rows += (await df.collect()).length
        })
        .start()
      await untilDone(q)
      if (threads > 1) expect(q.lastProgress?.executor?.tasks.length).toBe(threads)
      expect(q.lastProgress?.numInputRows).toBe(400)
      runs.push({ letters, rows })
    }
    // The malformed rows are kept with nulls (PERMISSIVE), and the filter on ms drops them.
    expect(runs[0]).toMatchObject({ rows: 395 })
    expect((runs[0] as { letters: unknown[] }).letters).toContainEqual(['b.json', 47, '{"id": "bad 296"'])
    expect(runs[1]).toEqual(runs[0])
    expect(runs[2]).toEqual(runs[0])
  })
})
