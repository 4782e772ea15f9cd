/**
 * The options of the `nats` source and sink, read once at `load()` / `start()` so that a
 * wrong value fails before anything connects. Secrets (password, token, creds) are kept
 * out of every message: errors name the option, never its value.
 */
import { OptionError, type Options } from '@tributary/core'

export const DEFAULT_SERVERS = 'nats://127.0.0.1:4222'

/** How to reach the server; shared by the source and the sink. */
export interface ConnectionOptions {
  /** Server URLs as given, for the client. */
  readonly servers: readonly string[]
  readonly user: string | undefined
  readonly password: string | undefined
  readonly token: string | undefined
  /** Path of a `.creds` file (JWT + NKey seed), read at connect time. */
  readonly creds: string | undefined
}

export const CONNECTION_OPTIONS = ['servers', 'user', 'password', 'token', 'creds'] as const

/** Where to start the first time a query runs; later runs start from the checkpoint. */
export type StartingPosition =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  /** The first sequence to read (inclusive). */
  | { readonly kind: 'sequence'; readonly sequence: number }
  /** The first message stored at or after this time. */
  | { readonly kind: 'time'; readonly ms: number; readonly text: string }

export interface SourceOptions extends ConnectionOptions {
  readonly stream: string
  readonly subject: string | undefined
  readonly startingPosition: StartingPosition
  readonly maxMessagesPerTrigger: number | undefined
  readonly includeHeaders: boolean
  readonly failOnDataLoss: boolean
}

export const SOURCE_OPTIONS = [
  ...CONNECTION_OPTIONS,
  'stream',
  'subject',
  'startingPosition',
  'maxMessagesPerTrigger',
  'includeHeaders',
  'failOnDataLoss',
] as const

export interface SinkOptions extends ConnectionOptions {
  /** Fixed subject; without it each row's `subject` column is used. */
  readonly subject: string | undefined
  /** Column holding the payload; without it `data`, then `value`, then the row as JSON. */
  readonly valueColumn: string | undefined
  /** Prefix of message ids; without it the query id from the checkpoint. */
  readonly sinkId: string | undefined
}

export const SINK_OPTIONS = [
  ...CONNECTION_OPTIONS,
  'subject',
  'valueColumn',
  'sinkId',
  // Create the target stream at start unless it exists (ensure-stream.ts).
  'createStream',
  'streamSubjects',
  'streamRetention',
  'streamMaxAge',
  'streamDuplicateWindow',
] as const

const nonEmpty = (options: Options, key: string): string | undefined => {
  const v = options.get(key)
  return v === undefined || v.trim() === '' ? undefined : v
}

export function readConnectionOptions(options: Options): ConnectionOptions {
  const servers = options
    .getString('servers', DEFAULT_SERVERS)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (servers.length === 0) {
    throw new OptionError(
      `${options.owner}: option 'servers' is empty. Give one or more server URLs separated by commas, e.g. '${DEFAULT_SERVERS}'.`,
      'INVALID_OPTION',
    )
  }
  const user = nonEmpty(options, 'user')
  const password = options.get('password')
  if ((user === undefined) !== (password === undefined)) {
    throw new OptionError(
      `${options.owner}: options 'user' and 'password' go together; only ${user === undefined ? "'password'" : "'user'"} is set.`,
      'INVALID_OPTION',
    )
  }
  const token = nonEmpty(options, 'token')
  const creds = nonEmpty(options, 'creds')
  const methods = [user && 'user/password', token && 'token', creds && 'creds'].filter(Boolean)
  if (methods.length > 1) {
    throw new OptionError(
      `${options.owner}: use one way to authenticate, got ${methods.join(' and ')}. Keep the one your server expects.`,
      'INVALID_OPTION',
    )
  }
  return { servers, user, password, token, creds }
}

/** `earliest`, `latest`, a sequence number (the first to read) or an ISO-8601 timestamp. */
export function parseStartingPosition(options: Options, bounded: boolean): StartingPosition {
  // Spark's default: a stream starts at new data, a batch read takes everything stored.
  const raw = options.get('startingPosition')?.trim() ?? (bounded ? 'earliest' : 'latest')
  const lower = raw.toLowerCase()
  if (lower === 'earliest') return { kind: 'earliest' }
  if (lower === 'latest') return { kind: 'latest' }
  if (/^\d+$/.test(raw)) {
    const sequence = Number(raw)
    if (!Number.isSafeInteger(sequence) || sequence < 1) {
      throw new OptionError(
        `${options.owner}: option 'startingPosition' = '${raw}' is not a stream sequence (sequences start at 1).`,
        'INVALID_OPTION',
      )
    }
    return { kind: 'sequence', sequence }
  }
  // Only full dates: Date.parse accepts odd strings ('1', 'May') that are surely typos here.
  const ms = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN
  if (Number.isNaN(ms)) {
    throw new OptionError(
      `${options.owner}: option 'startingPosition' must be 'earliest', 'latest', a stream sequence number or an ISO-8601 timestamp (e.g. '2024-05-01T12:00:00Z'), got '${raw}'.`,
      'INVALID_OPTION',
    )
  }
  return { kind: 'time', ms, text: raw }
}

export function readSourceOptions(options: Options, bounded: boolean): SourceOptions {
  const stream = options.require(
    'stream',
    "Name the JetStream stream to read, e.g. .option('stream', 'ORDERS') (`nats stream ls` lists them).",
  )
  if (/[\s.*>]/.test(stream)) {
    throw new OptionError(
      `${options.owner}: option 'stream' = '${stream}' is not a stream name: names cannot hold spaces, '.', '*' or '>'. To read some subjects only, name the stream and set option 'subject'.`,
      'INVALID_OPTION',
    )
  }
  return {
    ...readConnectionOptions(options),
    stream,
    subject: nonEmpty(options, 'subject'),
    startingPosition: parseStartingPosition(options, bounded),
    maxMessagesPerTrigger: options.getPositiveInt('maxMessagesPerTrigger'),
    includeHeaders: options.getBoolean('includeHeaders', false),
    failOnDataLoss: options.getBoolean('failOnDataLoss', true),
  }
}

export function readSinkOptions(options: Options): SinkOptions {
  const subject = nonEmpty(options, 'subject')
  if (subject !== undefined && /[\s*>]/.test(subject)) {
    throw new OptionError(
      `${options.owner}: option 'subject' = '${subject}' cannot be published to: a subject to publish to has no spaces and no wildcards ('*', '>').`,
      'INVALID_OPTION',
    )
  }
  return {
    ...readConnectionOptions(options),
    subject,
    valueColumn: nonEmpty(options, 'valueColumn'),
    sinkId: nonEmpty(options, 'sinkId'),
  }
}
