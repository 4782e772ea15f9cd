/**
 * The `socket` source (Spark's TextSocketSourceProvider): UTF-8 text lines read from a TCP
 * connection, for demos and tests. Lines wait in memory until a batch that read them is
 * committed; the offset is the number of lines received.
 *
 * Not replayable, so at most once: lines received but not committed when the query stops
 * or crashes are lost, and a restarted query reads only what the server sends on the new
 * connection. Do not use it where losing input matters.
 *
 * Back pressure: at most `maxBufferedRows` lines / `maxBufferedBytes` bytes wait in memory
 * (1 000 000 lines, 64 MiB by default). When the buffer is full the source stops reading
 * the socket (`onBufferFull: 'pause'`, the default): TCP flow control then slows the sender
 * down, and reading resumes when a committed batch frees space. `'fail'` stops the query
 * instead, `'drop'` drops new lines and counts them (`linesDroppedBufferFull`).
 */
import * as net from 'node:net'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { numberVector, objectVector, type Vector } from '../batch/vector.js'
import { StringType, TimestampType } from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import { AnalysisError, OptionError, TributaryError } from '../util/errors.js'
import type { Options } from '../util/options.js'
import { BUFFER_OPTIONS, type BufferLimits, ReceiveBuffer, readBufferLimits } from './receive-buffer.js'
import type { Offset, ReadLimit, Source, SourceBatch, SourceProvider } from './source.js'

/** Rows of the socket source: `{ value: string }`. */
export const SOCKET_SCHEMA = new Schema<{ value: string }>([
  { name: 'value', type: StringType, nullable: true },
])

/** Rows of the socket source with includeTimestamp: `{ value: string; timestamp: Date }` (time received). */
export const SOCKET_SCHEMA_WITH_TIMESTAMP = new Schema<{ value: string; timestamp: Date }>([
  { name: 'value', type: StringType, nullable: true },
  { name: 'timestamp', type: TimestampType, nullable: true },
])

interface SocketOptions {
  readonly host: string
  readonly port: number
  readonly includeTimestamp: boolean
  readonly buffer: BufferLimits
}

const DEFAULT_LIMITS: BufferLimits = { maxRows: 1_000_000, maxBytes: 64 * 1024 * 1024, onFull: 'pause' }

/** What a buffered line costs in memory, about: UTF-16 text plus the object around it. */
const lineBytes = (text: string): number => 2 * text.length + 64

function readOptions(options: Options): SocketOptions {
  const host = options.require(
    'host',
    "Name the server to read lines from, e.g. .option('host', 'localhost').",
  )
  options.require('port', "Name the server's port, e.g. .option('port', 9999).")
  const port = options.getNumber('port')!
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionError(
      `source 'socket': option 'port' must be an integer from 0 to 65535, got '${options.get('port')}'.`,
      'INVALID_OPTION',
    )
  }
  options.getPositiveInt('numPartitions')
  return {
    host,
    port,
    includeTimestamp: options.getBoolean('includeTimestamp', false),
    buffer: readBufferLimits(options, DEFAULT_LIMITS, ['pause', 'fail', 'drop']),
  }
}

/** A host that drops packets would otherwise hold start() for the OS's own timeout (minutes). */
const CONNECT_TIMEOUT_MS = 30_000

/** Opens the connection, or fails naming host:port and what the OS said. */
function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port })
    const onError = (e: Error) => {
      socket.destroy()
      const code = (e as NodeJS.ErrnoException).code
      reject(
        new TributaryError(
          `SOCKET_CONNECT_FAILED: the socket source cannot connect to ${host}:${port} (${code ?? e.message}). Start a server that writes lines there first (for example \`nc -lk ${port}\`), or fix the 'host' and 'port' options.`,
          'SOCKET_CONNECT_FAILED',
          { cause: e },
        ),
      )
    }
    const onTimeout = () => {
      const e = new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`) as NodeJS.ErrnoException
      e.code = 'ETIMEDOUT'
      onError(e)
    }
    socket.setTimeout(CONNECT_TIMEOUT_MS, onTimeout)
    socket.once('error', onError)
    socket.once('connect', () => {
      socket.off('error', onError)
      socket.setTimeout(0)
      socket.off('timeout', onTimeout)
      // The query's own loop keeps the process alive while it runs; an open connection left
      // behind by a start() that failed later (e.g. on the sink) must not.
      socket.unref()
      resolve(socket)
    })
  })
}

interface Line {
  readonly text: string
  readonly receivedMs: number
}

export class SocketSource implements Source {
  readonly replayable = false
  readonly description: string
  readonly schema: Schema<unknown>
  private readonly buffer: ReceiveBuffer<Line>
  private partial = ''
  private paused = false
  private pauses = 0
  private droppedLines = 0
  private failure: Error | undefined
  private closed = false

  constructor(
    private readonly socket: net.Socket,
    private readonly options: SocketOptions,
  ) {
    this.description = `TextSocketV2[host: ${options.host}, port: ${options.port}]`
    this.buffer = new ReceiveBuffer<Line>(options.buffer)
    this.schema = (options.includeTimestamp ? SOCKET_SCHEMA_WITH_TIMESTAMP : SOCKET_SCHEMA) as Schema<unknown>
    // setEncoding keeps a multi-byte character split across packets whole.
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.receive(chunk))
    socket.on('end', () => {
      // The server closed its side: a last line without a newline still counts, as with readLine.
      if (this.partial !== '') this.pushLine(this.partial)
      this.partial = ''
    })
    socket.on('error', (e) => {
      this.failure ??= e
    })
    socket.on('close', () => {
      this.closed = true
    })
  }

  private receive(chunk: string): void {
    if (this.failure) return
    const now = Date.now()
    let text = this.partial + chunk
    let nl = text.indexOf('\n')
    while (nl >= 0) {
      this.pushLine(text.slice(0, nl), now)
      text = text.slice(nl + 1)
      nl = text.indexOf('\n')
    }
    this.partial = text
    if (this.buffer.isFull && this.options.buffer.onFull === 'pause' && !this.paused) {
      // Stop reading: the kernel's buffers fill and TCP tells the sender to wait.
      this.paused = true
      this.pauses++
      this.socket.pause()
      this.buffer.onSpace(() => {
        this.paused = false
        this.socket.resume()
      })
    }
  }

  private pushLine(line: string, now = Date.now()): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    if (this.buffer.isFull) {
      if (this.options.buffer.onFull === 'drop') {
        this.droppedLines++
        return
      }
      if (this.options.buffer.onFull === 'fail') {
        if (this.failure) return
        const { maxRows, maxBytes } = this.options.buffer
        this.failure = new TributaryError(
          `SOURCE_BUFFER_FULL: the socket source buffered ${this.buffer.bufferedCount} lines (${this.buffer.bufferedBytes} bytes; limits maxBufferedRows=${maxRows}, maxBufferedBytes=${maxBytes}) because the query is slower than ${this.options.host}:${this.options.port} sends. The lines buffered before were processed. Make the sink faster, raise the limits, or use onBufferFull 'pause' (the default) to slow the sender down.`,
          'SOURCE_BUFFER_FULL',
        )
        this.socket.pause()
        return
      }
    }
    this.buffer.push({ text, receivedMs: now }, lineBytes(text))
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.buffer.capAtReceived()
  }

  async latestOffset(start: Offset, _limit: ReadLimit): Promise<Offset> {
    const latest = this.buffer.latest(start as number)
    if (latest === start && this.failure instanceof TributaryError) throw this.failure
    if (latest === start && this.failure) {
      const { host, port } = this.options
      throw new TributaryError(
        `SOCKET_CONNECTION_LOST: the socket source lost its connection to ${host}:${port} (${(this.failure as NodeJS.ErrnoException).code ?? this.failure.message}); the lines received before were processed. Restart the query to connect again.`,
        'SOCKET_CONNECTION_LOST',
        { cause: this.failure },
      )
    }
    return latest
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const lines = this.buffer.range(start as number, end as number)
    const columns: Vector[] = [
      objectVector(
        StringType,
        lines.map((l) => l.text),
      ),
    ]
    if (this.options.includeTimestamp) {
      columns.push(
        numberVector(
          TimestampType,
          Float64Array.from(lines, (l) => l.receivedMs),
        ),
      )
    }
    return { data: new ColumnarBatch(this.schema, columns, lines.length) }
  }

  async commit(end: Offset): Promise<void> {
    this.buffer.commit(end as number)
  }

  async stop(): Promise<void> {
    if (this.closed) return
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.destroy()
    })
  }

  metrics(): Record<string, number> {
    return {
      linesReceived: this.buffer.receivedCount,
      linesBuffered: this.buffer.bufferedCount,
      bytesBuffered: this.buffer.bufferedBytes,
      linesLostOnRestart: this.buffer.lost,
      bufferFullPauses: this.pauses,
      readingPaused: this.paused ? 1 : 0,
      linesDroppedBufferFull: this.droppedLines,
    }
  }
}

export const socketSourceProvider: SourceProvider = {
  name: 'socket',
  knownOptions: ['host', 'port', 'includeTimestamp', 'numPartitions', ...BUFFER_OPTIONS],
  schemaOf(ctx) {
    const options = readOptions(ctx.options)
    if (ctx.userSchema) {
      throw new AnalysisError(
        `USER_SCHEMA_NOT_SUPPORTED: the socket source has a fixed schema (${(options.includeTimestamp ? SOCKET_SCHEMA_WITH_TIMESTAMP : SOCKET_SCHEMA).simpleString()}). Remove .schema(...), and parse the lines with select/withColumn or map.`,
        'USER_SCHEMA_NOT_SUPPORTED',
      )
    }
    if (!ctx.streaming) {
      throw new AnalysisError(
        "UNSUPPORTED_BATCH_SOURCE: the socket source is streaming only: use session.readStream.format('socket').",
        'UNSUPPORTED_BATCH_SOURCE',
      )
    }
    return (options.includeTimestamp ? SOCKET_SCHEMA_WITH_TIMESTAMP : SOCKET_SCHEMA) as Schema<unknown>
  },
  async createSource(ctx) {
    const options = readOptions(ctx.options)
    return new SocketSource(await connect(options.host, options.port), options)
  },
}
