/**
 * Copied and purged checkpoints (issue #13 §2). A checkpoint copied from a query that read
 * another folder must be refused, saying what differs (it was accepted, and A's progress
 * and state merged into B's output). A restart after the commit log lost entries before
 * the newest batch must re-run that batch, as Spark does (it failed with CORRUPT_CHECKPOINT).
 */
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { identityChanges, sourceIdentity } from '../../src/checkpoint/source-identity.js'
import { col, count, MemoryStream, Options, type Session, schema } from '../../src/index.js'
import type { SourceSpec } from '../../src/sources/source.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ id: 'long', k: 'string' })

function countsOf(session: Session, input: string, checkpoint: string, into: Map<string, number>) {
  return session.readStream
    .format('json')
    .schema(events)
    .load(input)
    .groupBy(col('k'))
    .agg(count('*').alias('n'))
    .writeStream.outputMode('update')
    .foreachBatch(async (batch) => {
      for (const r of (await batch.collect()) as { k: string; n: number }[]) into.set(r.k, Number(r.n))
    })
    .option('checkpointLocation', checkpoint)
    .trigger({ availableNow: true })
    .start()
}

describe('copied checkpoints', () => {
  it('a checkpoint written by a query that read another folder is refused, naming both paths', async () => {
    const root = tempDir()
    const [a, b] = [path.join(root, 'a'), path.join(root, 'b')]
    for (const [dir, key] of [
      [a, 'x'],
      [b, 'x'],
    ] as const) {
      mkdirSync(dir)
      writeFileSync(
        path.join(dir, 'part-0.json'),
        `${Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: i, k: key })).join('\n')}\n`,
      )
    }
    const session = newSession()
    const counts = new Map<string, number>()
    const ckptA = path.join(root, 'ckpt-a')
    const qa = await countsOf(session, a, ckptA, counts)
    await qa.awaitTermination()
    expect(counts.get('x')).toBe(40)
    // An operator copies A's checkpoint for a new query B that reads folder b.
    const ckptB = path.join(root, 'ckpt-b')
    cpSync(ckptA, ckptB, { recursive: true })
    const err = (await countsOf(session, b, ckptB, new Map()).catch((e: unknown) => e)) as Error & {
      code: string
    }
    expect(err.code).toBe('INCOMPATIBLE_CHECKPOINT')
    expect(err.message).toContain(`source 0 was written with path '${a}', and this query has path '${b}'`)
    expect(err.message).toContain('start this one with a new checkpointLocation')
  })
})

describe('purged or lost commits before the newest batch', () => {
  for (const provider of ['memory', 'level'] as const) {
    it(`${provider} state: the newest batch is re-run, with exact counts`, async () => {
      const checkpoint = tempDir()
      const session = newSession({
        'tributary.sql.streaming.minBatchesToRetain': '1',
        'tributary.stateStore.provider': provider,
      })
      const input = new MemoryStream(session, schema({ k: 'string' }))
      const seen: { batchId: number; n: number }[] = []
      const start = () =>
        input
          .toDF()
          .groupBy(col('k'))
          .agg(count('*').alias('n'))
          .writeStream.outputMode('update')
          .foreachBatch(async (batch, batchId) => {
            for (const r of (await batch.collect()) as { n: number }[]) seen.push({ batchId, n: Number(r.n) })
          })
          .option('checkpointLocation', checkpoint)
          .start()
      let q = await start()
      for (let i = 0; i < 12; i++) {
        input.addData([{ k: 'a' }])
        await q.processAllAvailable()
      }
      await q.stop()
      // Batch 11 crashed before its commit, and commits/10 was lost as well (or purged).
      rmSync(path.join(checkpoint, 'commits', '11'))
      rmSync(path.join(checkpoint, 'commits', '10'))
      expect(readdirSync(path.join(checkpoint, 'commits'))).toEqual([])
      q = await start()
      await q.processAllAvailable()
      input.addData([{ k: 'a' }])
      await q.processAllAvailable()
      await q.stop()
      expect(q.exception).toBeNull()
      // Batch 11 again (Spark re-runs it), then batch 12: the count goes on from the state, exactly.
      expect(seen.slice(-3)).toEqual([
        { batchId: 11, n: 12 },
        { batchId: 11, n: 12 },
        { batchId: 12, n: 13 },
      ])
    })
  }
})

describe('retention', () => {
  it('minBatchesToRetain 0 is refused: the purge would delete what a restart starts from', async () => {
    const session = newSession({ 'tributary.sql.streaming.minBatchesToRetain': '0' })
    const input = new MemoryStream(session, schema({ k: 'string' }))
    const err = (await input
      .toDF()
      .writeStream.format('memory')
      .queryName('retain0')
      .option('checkpointLocation', tempDir())
      .start()
      .catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(
      /INVALID_OPTION: tributary.sql.streaming.minBatchesToRetain is '0'; it must be a whole number of 1 or more/,
    )
  })
})

describe('what a source identity records', () => {
  const spec = (name: string, options: Record<string, string>, p?: string): SourceSpec => ({
    provider: { name, schemaOf: () => schema({ k: 'string' }) as never, createSource: () => ({}) as never },
    options: new Options(options),
    path: p,
  })

  it('the options that name the input (any case), never connection settings', () => {
    const id = sourceIdentity(
      spec('kafka', {
        Subscribe: 'orders',
        'kafka.bootstrap.servers': 'b1:9092',
        'kafka.sasl.password': 's3cret',
      }),
    )
    expect(id).toEqual({ format: 'kafka', subscribe: 'orders' })
    expect(
      sourceIdentity(spec('nats', { stream: 'ORDERS', subject: 'orders.*', url: 'nats://u:p@h' })),
    ).toEqual({
      format: 'nats',
      stream: 'ORDERS',
      subject: 'orders.*',
    })
  })

  it('paths resolved; a URL path without its user and password', () => {
    expect(sourceIdentity(spec('json', {}, 'rel/in')).path).toBe(path.resolve('rel/in'))
    expect(sourceIdentity(spec('parquet', {}, 's3://key:secret@bucket/in')).path).toBe('s3://bucket/in')
  })

  it('differences are named field by field', () => {
    expect(
      identityChanges(1, { format: 'kafka', subscribe: 'a' }, { format: 'kafka', subscribePattern: 'a.*' }),
    ).toEqual([
      "source 1 was written with subscribe 'a', and this query has no subscribe",
      "source 1 was written with no subscribePattern, and this query has subscribePattern 'a.*'",
    ])
  })
})
