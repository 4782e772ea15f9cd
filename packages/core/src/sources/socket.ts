/**
 * The `socket` source (Spark's TextSocketSourceProvider): UTF-8 text lines read from a TCP
 * connection, for demos and tests. Lines wait in memory until a batch that read them is
 * committed; the offset is the number of lines received.
 *
 * Not replayable, so at most once: lines received but not committed when the query stops
 * or crashes are lost, and a restarted query reads only what the server sends on the new
 * connection. Do not use it where losing input matters.
 */
import * as net from 'node:net'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { numberVector, objectVector, type Vector } from '../batch/vector.js'
import { StringType, TimestampType } from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import { AnalysisError, OptionError, TributaryError } from '../util/errors.js'
import type { Options } from '../util/options.js'
import { ReceiveBuffer } from './receive-buffer.js'
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
}

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
  return { host, port, includeTimestamp: options.getBoolean('includeTimestamp', false) }
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
  private readonly buffer = new ReceiveBuffer<Line>()
  private partial = ''
  private failure: Error | undefined
  private closed = false

  constructor(
    private readonly socket: net.Socket,
    private readonly options: SocketOptions,
  ) {
    this.description = `TextSocketV2[host: ${options.host}, port: ${options.port}]`
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
    const now = Date.now()
    let text = this.partial + chunk
    let nl = text.indexOf('\n')
    while (nl >= 0) {
      this.pushLine(text.slice(0, nl), now)
      text = text.slice(nl + 1)
      nl = text.indexOf('\n')
    }
    this.partial = text
  }

  private pushLine(line: string, now = Date.now()): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    this.buffer.push({ text, receivedMs: now })
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.buffer.capAtReceived()
  }

  async latestOffset(start: Offset, _limit: ReadLimit): Promise<Offset> {
    const latest = this.buffer.latest(start as number)
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
      linesLostOnRestart: this.buffer.lost,
    }
  }
}

export const socketSourceProvider: SourceProvider = {
  name: 'socket',
  knownOptions: ['host', 'port', 'includeTimestamp', 'numPartitions'],
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
