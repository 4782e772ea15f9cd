import { rmSync } from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Session, StreamingQuery } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

/** A real TCP server on a free port; hands each accepted connection to the test. */
interface LineServer {
  readonly port: number
  nextConnection(): Promise<net.Socket>
  close(): Promise<void>
}

const servers: LineServer[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})

async function lineServer(): Promise<LineServer> {
  const waiting: ((s: net.Socket) => void)[] = []
  const pending: net.Socket[] = []
  const open = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('error', () => {})
    const w = waiting.shift()
    if (w) w(socket)
    else pending.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const s: LineServer = {
    port: (server.address() as net.AddressInfo).port,
    nextConnection: () =>
      new Promise((resolve) => {
        const p = pending.shift()
        if (p) resolve(p)
        else waiting.push(resolve)
      }),
    close: () =>
      new Promise((resolve) => {
        for (const c of open) c.destroy()
        server.close(() => resolve())
      }),
  }
  servers.push(s)
  return s
}

async function write(socket: net.Socket, data: string | Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())))
}

/** Lines travel asynchronously: run triggers until the table has `n` rows. */
async function untilRows(q: StreamingQuery, session: Session, name: string, n: number) {
  const until = Date.now() + 10_000
  for (;;) {
    await q.processAllAvailable()
    const rows = (await session.table(name).collect()) as Record<string, unknown>[]
    if (rows.length >= n) return rows
    if (Date.now() > until)
      throw new Error(`timed out with ${rows.length} of ${n} rows: ${JSON.stringify(rows)}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const socketStream = (session: Session, port: number, extra: Record<string, string | boolean> = {}) =>
  session.readStream
    .format('socket')
    .options({ host: '127.0.0.1', port, ...extra })
    .load()

describe('socket source', () => {
  it('reads UTF-8 lines from a real TCP connection, however the bytes are split', async () => {
    const server = await lineServer()
    const session = newSession()
    const q = await socketStream(session, server.port)
      .writeStream.format('memory')
      .queryName('lines')
      .option('checkpointLocation', tempDir())
      .start()
    const conn = await server.nextConnection()
    const bytes = Buffer.from('héllo wörld\r\nsecond line\nthird', 'utf8')
    // Split inside the two bytes of 'é', and inside a line.
    await write(conn, bytes.subarray(0, 2))
    await new Promise((r) => setTimeout(r, 30))
    await write(conn, bytes.subarray(2, 20))
    await new Promise((r) => setTimeout(r, 30))
    await write(conn, bytes.subarray(20))
    // The last line has no newline: it counts once the server closes its side, as readLine does.
    conn.end()
    const rows = await untilRows(q, session, 'lines', 3)
    expect(rows).toEqual([{ value: 'héllo wörld' }, { value: 'second line' }, { value: 'third' }])
    const source = q.lastProgress!.sources[0]
    expect(source.description).toBe(`TextSocketV2[host: 127.0.0.1, port: ${server.port}]`)
    expect(source.endOffset).toBe(3)
    // Committed lines are dropped from the buffer.
    expect(source.metrics).toMatchObject({ linesReceived: 3, linesBuffered: 0 })
    await q.stop()
  })

  it('reads lines in micro-batches with offsets (start, end] and a receive timestamp when asked', async () => {
    const server = await lineServer()
    const session = newSession()
    const before = Date.now()
    const q = await socketStream(session, server.port, { includeTimestamp: true })
      .writeStream.format('memory')
      .queryName('stamped')
      .option('checkpointLocation', tempDir())
      .start()
    const conn = await server.nextConnection()
    await write(conn, 'a\nb\n')
    await untilRows(q, session, 'stamped', 2)
    await write(conn, 'c\n')
    const rows = await untilRows(q, session, 'stamped', 3)
    const after = Date.now()
    expect(rows.map((r) => r.value)).toEqual(['a', 'b', 'c'])
    for (const r of rows) {
      expect(r.timestamp).toBeInstanceOf(Date)
      expect((r.timestamp as Date).getTime()).toBeGreaterThanOrEqual(before)
      expect((r.timestamp as Date).getTime()).toBeLessThanOrEqual(after)
    }
    const withData = q.recentProgress.filter((p) => p.numInputRows > 0)
    expect(withData[withData.length - 1].sources[0]).toMatchObject({
      startOffset: 2,
      endOffset: 3,
      numInputRows: 1,
    })
    expect(session.table('stamped').columns).toEqual(['value', 'timestamp'])
    await q.stop()
  })

  it('fails at start() naming host:port when nothing listens there', async () => {
    // A port that was free a moment ago: bind, note it, release it.
    const probe = net.createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const session = newSession()
    const start = socketStream(session, port).writeStream.format('memory').queryName('refused').start()
    await expect(start).rejects.toThrow(
      new RegExp(
        `SOCKET_CONNECT_FAILED: the socket source cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`,
      ),
    )
    await expect(start).rejects.toMatchObject({ code: 'SOCKET_CONNECT_FAILED' })
  })

  it('closes the connection when the query stops', async () => {
    const server = await lineServer()
    const session = newSession()
    const q = await socketStream(session, server.port)
      .writeStream.format('memory')
      .queryName('closing')
      .start()
    const conn = await server.nextConnection()
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()))
    let ended = false
    conn.once('end', () => {
      ended = true
    })
    await q.stop()
    await closed
    expect(ended).toBe(true)
  })

  it('is at most once: a restart reads the new connection, numbering on from the checkpoint', async () => {
    const server = await lineServer()
    const session = newSession()
    const checkpoint = tempDir()
    const start = () =>
      socketStream(session, server.port)
        .writeStream.format('memory')
        .queryName('restart')
        .option('checkpointLocation', checkpoint)
        .start()
    const q1 = await start()
    const c1 = await server.nextConnection()
    await write(c1, 'one\ntwo\n')
    await untilRows(q1, session, 'restart', 2)
    await q1.stop()

    const q2 = await start()
    const c2 = await server.nextConnection()
    await write(c2, 'three\n')
    const rows = await untilRows(q2, session, 'restart', 3)
    expect(rows.map((r) => r.value)).toEqual(['one', 'two', 'three'])
    const last = q2.recentProgress.filter((p) => p.numInputRows > 0).pop()!
    expect(last.sources[0]).toMatchObject({ startOffset: 2, endOffset: 3 })
    expect(q2.lastProgress!.sources[0].metrics).toMatchObject({ linesReceived: 1, linesLostOnRestart: 0 })
    await q2.stop()
  })

  it('loses the lines of a logged but uncommitted batch on restart, and counts them', async () => {
    const server = await lineServer()
    const session = newSession()
    const checkpoint = tempDir()
    const start = () =>
      socketStream(session, server.port)
        .writeStream.format('memory')
        .queryName('lost')
        .option('checkpointLocation', checkpoint)
        .start()
    const q1 = await start()
    const c1 = await server.nextConnection()
    await write(c1, 'kept\n')
    await untilRows(q1, session, 'lost', 1)
    // One write, one 'data' event: both lines land in the same batch.
    await write(c1, 'gone 1\ngone 2\n')
    await untilRows(q1, session, 'lost', 3)
    await q1.stop()
    const last = q1.lastProgress!.batchId
    // As if the process died after writing offsets/N but before commits/N.
    rmSync(path.join(checkpoint, 'commits', String(last)))

    const q2 = await start()
    const c2 = await server.nextConnection()
    await write(c2, 'new\n')
    const rows = await untilRows(q2, session, 'lost', 4)
    // Batch N ran again with nothing (this connection never had its lines); the memory sink
    // ignores the replayed batch id and keeps what the first run wrote, as Spark's does.
    expect(rows.map((r) => r.value)).toEqual(['kept', 'gone 1', 'gone 2', 'new'])
    expect(q2.lastProgress!.sources[0].metrics).toMatchObject({ linesLostOnRestart: 2 })
    await q2.stop()
  })

  it('availableNow ends instead of waiting for more lines', async () => {
    const server = await lineServer()
    const session = newSession()
    const accepted = server.nextConnection().then(async (c) => {
      await write(c, 'x\ny\n')
      return c
    })
    const q = await socketStream(session, server.port)
      .writeStream.format('memory')
      .queryName('avail')
      .option('checkpointLocation', tempDir())
      .trigger({ availableNow: true })
      .start()
    await accepted
    expect(await q.awaitTermination(10_000)).toBe(true)
    // Lines may or may not have arrived before it began; whatever it read is a prefix, and it ended.
    const rows = (await session.table('avail').collect()).map((r) => r.value)
    expect(['x', 'y'].slice(0, rows.length)).toEqual(rows)
  })

  it('refuses bad options at load() with the way out', () => {
    const session = newSession()
    expect(() => session.readStream.format('socket').option('host', 'localhost').load()).toThrow(
      /option 'port' is required/,
    )
    expect(() => session.readStream.format('socket').option('port', 9999).load()).toThrow(
      /option 'host' is required/,
    )
    expect(() => socketStream(session, 70_000)).toThrow(/'port' must be an integer from 0 to 65535/)
    expect(() => socketStream(session, 9999, { includeTimestamp: 'yes' })).toThrow(/includeTimestamp/)
    expect(() => socketStream(session, 9999, { onBufferFull: 'block' })).toThrow(
      "option 'onBufferFull' is 'block'; this source supports 'pause', 'fail', 'drop'.",
    )
    expect(() => socketStream(session, 9999, { maxBufferedRows: '0' })).toThrow(/maxBufferedRows/)
    expect(() => session.read.format('socket').options({ host: 'h', port: 1 }).load()).toThrow(
      /streaming only/,
    )
  })

  it('back pressure: a full buffer stops reading the socket, TCP holds the sender, and no line is lost', async () => {
    const server = await lineServer()
    const session = newSession()
    const total = 100_000
    const line = (i: number) => `${String(i).padStart(8, '0')} ${'x'.repeat(90)}\n`
    let conn: net.Socket | undefined
    let held = false
    const seen: number[] = []
    const batchSizes: number[] = []
    const q = await socketStream(session, server.port, { maxBufferedRows: '1000' })
      .writeStream.foreachBatch(async (batch) => {
        const rows = (await batch.collect()) as { value: string }[]
        if (rows.length === 0) return
        batchSizes.push(rows.length)
        for (const r of rows) seen.push(Number(r.value.slice(0, 8)))
        if (!held) {
          // The sink is slow: hold the first batch until the server cannot write any more,
          // which happens only when the source stopped reading (its kernel buffers are full).
          held = true
          const until = Date.now() + 20_000
          while (conn!.writableLength === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
          expect(conn!.writableLength).toBeGreaterThan(0)
        }
      })
      .option('checkpointLocation', tempDir())
      .start()
    conn = await server.nextConnection()
    for (let i = 0; i < total; i += 1000)
      conn.write(Array.from({ length: 1000 }, (_, j) => line(i + j)).join(''))
    const until = Date.now() + 60_000
    while (seen.length < total && Date.now() < until) {
      await q.processAllAvailable()
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(seen.length).toBe(total)
    expect(seen.every((v, i) => v === i)).toBe(true)
    // A batch holds what was buffered: the limit plus at most one read of the socket (64 KiB).
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(1000 + Math.ceil(65_536 / 100))
    const metrics = q.lastProgress!.sources[0].metrics as Record<string, number>
    expect(metrics.bufferFullPauses).toBeGreaterThan(0)
    expect(metrics.linesDroppedBufferFull).toBe(0)
    await q.stop()
  })

  it("onBufferFull 'drop' drops and counts new lines; 'fail' stops the query after the lines it has", async () => {
    for (const policy of ['drop', 'fail'] as const) {
      const server = await lineServer()
      const session = newSession()
      let release!: () => void
      const gate = new Promise<void>((r) => {
        release = r
      })
      let batches = 0
      const q = await socketStream(session, server.port, { maxBufferedRows: '10', onBufferFull: policy })
        .writeStream.foreachBatch(async (batch) => {
          if ((await batch.count()) > 0 && batches++ === 0) await gate
        })
        .option('checkpointLocation', tempDir())
        .start()
      const conn = await server.nextConnection()
      await write(conn, 'first\n')
      // The first batch holds; 100 more lines arrive meanwhile and the buffer (10) overflows.
      while (batches === 0) await new Promise((r) => setTimeout(r, 5))
      await write(conn, Array.from({ length: 100 }, (_, i) => `l${i}\n`).join(''))
      await new Promise((r) => setTimeout(r, 100))
      release()
      if (policy === 'drop') {
        const until = Date.now() + 10_000
        let m: Record<string, number> = {}
        while (Date.now() < until) {
          await q.processAllAvailable()
          m = q.lastProgress!.sources[0].metrics as Record<string, number>
          if (m.linesReceived + m.linesDroppedBufferFull === 101) break
        }
        // 'first' is still buffered (its batch is not committed): 9 more fit, 91 are dropped.
        expect(m).toMatchObject({ linesReceived: 10, linesDroppedBufferFull: 91 })
        await q.stop()
      } else {
        await expect(q.awaitTermination()).rejects.toThrow(
          /SOURCE_BUFFER_FULL: the socket source buffered 10 lines .*maxBufferedRows=10.*onBufferFull 'pause'/,
        )
      }
    }
  })
})
