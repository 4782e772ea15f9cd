import { concat, delay, from, interval, map, Subject, take, throwError, timer } from 'rxjs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  col,
  type DataFrame,
  fromObservable,
  LongType,
  MalformedRecordError,
  Schema,
  type Session,
  StreamingQueryException,
  schema,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const clicks = schema({ user: 'string', n: 'long', at: 'timestamp' })
type Click = { user: string; n: number; at: Date }
const click = (n: number): Click => ({ user: `u${n % 2}`, n, at: new Date(1_700_000_000_000 + n * 1000) })

async function rows(session: Session, name: string) {
  return (await session.table(name).collect()) as Record<string, unknown>[]
}

describe('fromObservable', () => {
  it('is a typed streaming DataFrame', () => {
    const df = fromObservable(newSession(), from([click(1)]), clicks)
    expectTypeOf(df).toEqualTypeOf<DataFrame<{ user: string; n: number; at: Date }>>()
    expect(df.isStreaming).toBe(true)
    expect(df.columns).toEqual(['user', 'n', 'at'])
  })

  it('reads a completed Observable with availableNow and ends', async () => {
    const session = newSession()
    const q = await fromObservable(session, from([1, 2, 3].map(click)), clicks)
      .writeStream.format('memory')
      .queryName('done')
      .trigger({ availableNow: true })
      .start()
    expect(await q.awaitTermination(10_000)).toBe(true)
    expect(await rows(session, 'done')).toEqual([1, 2, 3].map(click))
  })

  it('with availableNow, waits for rows still to come and ends when the Observable completes', async () => {
    const session = newSession()
    const slow$ = interval(20).pipe(
      take(6),
      map((i) => click(i)),
    )
    const q = await fromObservable(session, slow$, clicks)
      .where(col('n').gt(0))
      .writeStream.format('memory')
      .queryName('slow')
      .trigger({ availableNow: true })
      .start()
    expect(await q.awaitTermination(10_000)).toBe(true)
    expect((await rows(session, 'slow')).map((r) => r.n)).toEqual([1, 2, 3, 4, 5])
    expect(q.recentProgress.reduce((s, p) => s + p.numInputRows, 0)).toBe(6)
    expect(q.lastProgress!.sources[0].metrics).toMatchObject({ state: 'completed', rowsReceived: 6 })
  })

  it('with a once trigger, reads the whole Observable in one batch', async () => {
    const session = newSession()
    const later$ = timer(30).pipe(
      map(() => click(7)),
      (first$) => concat(first$, from([click(8), click(9)]).pipe(delay(20))),
    )
    const q = await fromObservable(session, later$, clicks)
      .writeStream.format('memory')
      .queryName('once')
      .trigger({ once: true })
      .start()
    expect(await q.awaitTermination(10_000)).toBe(true)
    expect(q.recentProgress).toHaveLength(1)
    expect(await rows(session, 'once')).toEqual([7, 8, 9].map(click))
  })

  it('reads a Subject batch by batch; offsets count rows and committed rows are dropped', async () => {
    const session = newSession()
    const subject = new Subject<Click>()
    const q = await fromObservable(session, subject, clicks, { name: 'clicks$' })
      .select('n')
      .writeStream.format('memory')
      .queryName('live')
      .option('checkpointLocation', tempDir())
      .start()
    subject.next(click(1))
    subject.next(click(2))
    await q.processAllAvailable()
    subject.next(click(3))
    await q.processAllAvailable()
    expect(await rows(session, 'live')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect(q.recentProgress.map((p) => [p.sources[0].startOffset, p.sources[0].endOffset])).toEqual([
      [0, 2],
      [2, 3],
    ])
    expect(q.lastProgress!.sources[0]).toMatchObject({
      description: 'clicks$',
      metrics: { rowsReceived: 3, rowsBuffered: 0, state: 'open' },
    })
    // Completing the Observable does not end a default-trigger query: it just has no more data.
    subject.complete()
    await q.processAllAvailable()
    expect(q.isActive).toBe(true)
    await q.stop()
  })

  it('fails the query on a row that does not fit the schema, naming the row, after the rows before it', async () => {
    const session = newSession()
    const subject = new Subject<Click>()
    const q = await fromObservable(session, subject, clicks, { name: 'clicks$' })
      .writeStream.format('memory')
      .queryName('bad')
      .start()
    subject.next(click(1))
    subject.next({ user: 'u9', n: 'three', at: new Date(0) } as unknown as Click)
    subject.next(click(4))
    const failure = await q.awaitTermination(10_000).then(
      () => null,
      (e: unknown) => e,
    )
    expect(failure).toBeInstanceOf(StreamingQueryException)
    const e = failure as StreamingQueryException
    expect(e.code).toBe('MALFORMED_RECORD')
    expect(e.cause).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain('clicks$ emitted a row that does not fit its schema')
    expect(e.message).toContain('{"user":"u9","n":"three","at":"1970-01-01T00:00:00.000Z"}')
    expect(e.message).toMatch(/row 2 \(counting from 1 since the query started\), column 'n': expected long/)
    expect(await rows(session, 'bad')).toEqual([click(1)])
    // It stopped listening: the Subject has no subscriber left.
    expect(subject.observed).toBe(false)
  })

  it('refuses values that are not objects, and nulls in non-nullable columns', async () => {
    const session = newSession()
    const strict = schema({ id: 'long' })
    const nonNullable = new Schema<{ id: number }>([{ name: 'id', type: LongType, nullable: false }])
    const q1 = await fromObservable(session, from([42 as unknown as { id: number }]), strict)
      .writeStream.format('memory')
      .queryName('scalar')
      .trigger({ availableNow: true })
      .start()
    await expect(q1.awaitTermination(10_000)).rejects.toThrow(/42.*expected an object with fields id/)
    const q2 = await fromObservable(session, from([{ id: null as unknown as number }]), nonNullable)
      .writeStream.format('memory')
      .queryName('nulls')
      .trigger({ availableNow: true })
      .start()
    await expect(q2.awaitTermination(10_000)).rejects.toThrow(/column 'id': the column is not nullable/)
  })

  it("fails the query with the Observable's error as cause, after the rows before it", async () => {
    const session = newSession()
    const boom = new Error('upstream broke')
    const q = await fromObservable(
      session,
      concat(
        from([click(1), click(2)]),
        throwError(() => boom),
      ),
      clicks,
    )
      .writeStream.format('memory')
      .queryName('err')
      .start()
    const failure = (await q.awaitTermination(10_000).then(
      () => null,
      (e: unknown) => e,
    )) as StreamingQueryException
    expect(failure).toBeInstanceOf(StreamingQueryException)
    expect(failure.cause).toBe(boom)
    expect(failure.message).toContain('upstream broke')
    expect(await rows(session, 'err')).toEqual([click(1), click(2)])
  })

  it('unsubscribes when the query stops, and subscribes again on restart', async () => {
    const session = newSession()
    const subject = new Subject<Click>()
    const checkpoint = tempDir()
    const start = () =>
      fromObservable(session, subject, clicks)
        .writeStream.format('memory')
        .queryName('again')
        .option('checkpointLocation', checkpoint)
        .start()
    const q1 = await start()
    subject.next(click(1))
    await q1.processAllAvailable()
    await q1.stop()
    expect(subject.observed).toBe(false)
    // Emitted while no query listens: lost (at most once).
    subject.next(click(2))
    const q2 = await start()
    subject.next(click(3))
    await q2.processAllAvailable()
    expect(await rows(session, 'again')).toEqual([click(1), click(3)])
    expect(q2.lastProgress!.sources[0]).toMatchObject({ startOffset: 1, endOffset: 2 })
    await q2.stop()
  })

  it("points format('observable') to fromObservable", () => {
    expect(() => newSession().readStream.format('observable').load()).toThrow(
      /Use fromObservable\(session, rows\$/,
    )
  })

  it('stop() returns while availableNow or once waits for an Observable that never completes', async () => {
    for (const trigger of [{ availableNow: true }, { once: true }] as const) {
      const session = newSession()
      const never = new Subject<Click>()
      const q = await fromObservable(session, never, clicks)
        .writeStream.format('memory')
        .queryName('never')
        .trigger(trigger)
        .start()
      never.next(click(1))
      // Without the interrupt, stop() waits for the next row or the end, which never come.
      const stopped = await Promise.race([
        q.stop().then(() => 'stopped'),
        new Promise((r) => setTimeout(() => r('still waiting'), 10_000)),
      ])
      expect(stopped).toBe('stopped')
      expect(q.isActive).toBe(false)
      expect(never.observed).toBe(false)
    }
  })

  it('a full buffer fails the query naming the limit, after the rows before it', async () => {
    const session = newSession()
    const subject = new Subject<Click>()
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const got: number[] = []
    const q = await fromObservable(session, subject, clicks, { name: 'clicks$', maxBufferedRows: 5 })
      .writeStream.foreachBatch(async (batch) => {
        const rows = (await batch.collect()) as Click[]
        got.push(...rows.map((r) => r.n))
        if (got.length === 1) await gate
      })
      .option('checkpointLocation', tempDir())
      .start()
    subject.next(click(0))
    while (got.length === 0) await new Promise((r) => setTimeout(r, 5))
    // The sink holds batch 0 (row 0 is still buffered); rows 1..4 fill the buffer, row 5 overflows.
    for (let n = 1; n <= 8; n++) subject.next(click(n))
    expect(subject.observed).toBe(false)
    release()
    await expect(q.awaitTermination()).rejects.toThrow(
      /SOURCE_BUFFER_FULL: clicks\$ buffered 5 rows .*maxBufferedRows=5/,
    )
    expect(got).toEqual([0, 1, 2, 3, 4])
  })

  it("onBufferFull 'drop' keeps the query running and counts what it dropped", async () => {
    const session = newSession()
    const subject = new Subject<Click>()
    const q = await fromObservable(session, subject, clicks, { maxBufferedRows: 3, onBufferFull: 'drop' })
      .writeStream.format('memory')
      .queryName('dropped')
      .option('checkpointLocation', tempDir())
      .start()
    // Emitted synchronously, before any batch: 3 fit, 7 are dropped.
    for (let n = 0; n < 10; n++) subject.next(click(n))
    await q.processAllAvailable()
    subject.next(click(10))
    await q.processAllAvailable()
    expect((await rows(session, 'dropped')).map((r) => r.n)).toEqual([0, 1, 2, 10])
    expect(q.lastProgress!.sources[0].metrics).toMatchObject({ rowsReceived: 4, rowsDroppedBufferFull: 7 })
    await q.stop()
  })

  it('refuses limits it cannot apply', () => {
    const session = newSession()
    expect(() => fromObservable(session, new Subject<Click>(), clicks, { maxBufferedRows: 0 })).toThrow(
      /maxBufferedRows must be a positive integer/,
    )
    expect(() =>
      fromObservable(session, new Subject<Click>(), clicks, { onBufferFull: 'pause' as 'drop' }),
    ).toThrow(/an Observable cannot be paused/)
  })
})
