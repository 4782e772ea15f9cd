/**
 * Creating the JetStream stream a query writes to (or reads from), so that a first run
 * needs no `nats stream add` beforehand: the sink's `createStream` option, or
 * `ensureStream(...)` before the query starts. A stream that exists is left as it is
 * (create if missing, like CREATE TABLE IF NOT EXISTS): its configuration is the operator's.
 */
import { RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream'
import { nanos } from '@nats-io/nats-core'
import { OptionError, type Options, parseDuration, TributaryError } from '@tributary/core'
import { closeConnection, type JetStreamConnection, openConnection } from './connection.js'
import { type ConnectionOptions, DEFAULT_SERVERS } from './options.js'
import { isStreamNotFound } from './stream-info.js'

export const RETENTIONS = ['limits', 'interest', 'workqueue'] as const
export type Retention = (typeof RETENTIONS)[number]

export interface StreamSpec {
  /** The stream's name, e.g. 'ALERTS' (no spaces, '.', '*' or '>'). */
  readonly name: string
  /** The subjects it stores; wildcards allowed ('alerts.>'). */
  readonly subjects: readonly string[]
  /** 'limits' (default: keep until a limit), 'interest' (while consumers exist) or 'workqueue' (until acknowledged). */
  readonly retention?: Retention
  /** Drop messages older than this ('7 days', 'PT1H', milliseconds); unlimited by default. */
  readonly maxAge?: string | number
  /**
   * How long the stream remembers message ids to drop a republished copy: the window in
   * which the sink's replay of a batch is exactly once. Default: '10 minutes' (NATS's own
   * default is 2 minutes).
   */
  readonly duplicateWindow?: string | number
  /** 'file' (default) or 'memory'. */
  readonly storage?: 'file' | 'memory'
}

const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000

function checkSpec(spec: StreamSpec, owner: string): void {
  if (!spec.name || /[\s.*>]/.test(spec.name)) {
    throw new OptionError(
      `${owner}: stream name '${spec.name}' cannot be used: a name is not empty and has no spaces, '.', '*' or '>'.`,
      'INVALID_OPTION',
    )
  }
  if (spec.subjects.length === 0 || spec.subjects.some((s) => s.trim() === '' || /\s/.test(s))) {
    throw new OptionError(
      `${owner}: stream '${spec.name}' needs its subjects, without spaces, e.g. ['alerts.>'].`,
      'INVALID_OPTION',
    )
  }
  if (spec.retention !== undefined && !RETENTIONS.includes(spec.retention)) {
    throw new OptionError(
      `${owner}: retention '${spec.retention}' is not one of ${RETENTIONS.join(', ')}.`,
      'INVALID_OPTION',
    )
  }
}

const ms = (v: string | number | undefined, fallback: number): number =>
  v === undefined ? fallback : typeof v === 'number' ? v : parseDuration(v)

/** Creates the stream unless it exists; says which happened. */
export async function ensureStreamOn(
  c: JetStreamConnection,
  spec: StreamSpec,
  owner = 'ensureStream',
): Promise<'created' | 'exists'> {
  checkSpec(spec, owner)
  try {
    await c.jsm.streams.info(spec.name)
    return 'exists'
  } catch (e) {
    if (!isStreamNotFound(e)) throw createFailed(spec, c.where, e)
  }
  const config: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: [...spec.subjects],
    retention: spec.retention ?? RetentionPolicy.Limits,
    storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
    max_age: nanos(ms(spec.maxAge, 0)),
    duplicate_window: nanos(ms(spec.duplicateWindow, DEFAULT_DUPLICATE_WINDOW_MS)),
  }
  try {
    await c.jsm.streams.add(config)
    return 'created'
  } catch (e) {
    // Another process may have created it between the lookup and the add.
    if (/already in use|already exists/i.test((e as Error).message)) return 'exists'
    throw createFailed(spec, c.where, e)
  }
}

function createFailed(spec: StreamSpec, where: string, e: unknown): TributaryError {
  return new TributaryError(
    `NATS_CREATE_STREAM_FAILED: creating stream '${spec.name}' (subjects ${spec.subjects.join(', ')}) on ${where} failed: ${(e as Error).message}. A subject that another stream already stores is refused ("subjects overlap"): choose other subjects, or write to that stream.`,
    'NATS_CREATE_STREAM_FAILED',
    { cause: e },
  )
}

/**
 * Creates a JetStream stream unless it exists, before a query starts:
 * `await ensureStream({ servers: 'nats://127.0.0.1:4222' }, { name: 'ALERTS', subjects: ['alerts.>'] })`.
 */
export async function ensureStream(
  connection: Partial<Omit<ConnectionOptions, 'servers'>> & { readonly servers?: string | readonly string[] },
  spec: StreamSpec,
): Promise<'created' | 'exists'> {
  const servers = connection.servers ?? DEFAULT_SERVERS
  const c = await openConnection(
    {
      servers: typeof servers === 'string' ? servers.split(',').map((s) => s.trim()) : servers,
      user: connection.user,
      password: connection.password,
      token: connection.token,
      creds: connection.creds,
    },
    'ensureStream',
  )
  try {
    return await ensureStreamOn(c, spec)
  } finally {
    await closeConnection(c)
  }
}

/** The sink's `createStream*` options as a StreamSpec, or undefined without `createStream`. */
export function streamSpecFromOptions(options: Options, subject: string | undefined): StreamSpec | undefined {
  const name = options.get('createStream')?.trim()
  if (!name) return undefined
  const subjects = (options.get('streamSubjects') ?? subject ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (subjects.length === 0) {
    throw new OptionError(
      `${options.owner}: option 'createStream' needs the subjects the stream stores: set option 'streamSubjects' (e.g. 'alerts.>'), or option 'subject'.`,
      'MISSING_OPTION',
    )
  }
  return {
    name,
    subjects,
    retention: options.oneOf('streamRetention', RETENTIONS, 'limits'),
    maxAge: options.getDurationMs('streamMaxAge'),
    duplicateWindow: options.getDurationMs('streamDuplicateWindow'),
  }
}
