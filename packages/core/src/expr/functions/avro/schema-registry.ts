/**
 * A Confluent Schema Registry client, as much as from_avro and to_avro need, written
 * against the registry's documented REST API (v1):
 *
 * - `GET  /schemas/ids/{id}`                 → `{ "schema": "<Avro JSON>" }` (the writer schema of a record)
 * - `GET  /subjects/{subject}/versions/latest` → `{ "subject", "id", "version", "schema" }`
 * - `POST /subjects/{subject}/versions`       ← `{ "schema": "<Avro JSON>" }` → `{ "id" }` (registers, or
 *   returns the id of the same schema already registered)
 *
 * Errors come back as `{ "error_code": 40403, "message": "Schema not found" }`. Requests use
 * the content type `application/vnd.schemaregistry.v1+json`. Credentials in the URL
 * (`https://user:secret@host`) go into a Basic authorization header and never into a
 * message. No registry runs on the machines this was written on: it is tested against
 * recorded answers of that API, served by a local HTTP server.
 */
import { TributaryError } from '../../../util/errors.js'
import { httpSync } from './sync-http.js'

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

export interface RegistryOptions {
  /** e.g. 'http://localhost:8081', or with credentials 'https://key:secret@host'. */
  readonly url: string
  readonly timeoutMs?: number
}

interface Endpoint {
  readonly base: string
  /** host:port, for messages: never the credentials. */
  readonly where: string
  readonly headers: Record<string, string>
}

function endpoint(url: string): Endpoint {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new TributaryError(
      `AVRO_REGISTRY_ERROR: the schema registry address is not a URL; write it as http://host:port (credentials as https://user:password@host).`,
      'AVRO_REGISTRY_ERROR',
    )
  }
  const headers: Record<string, string> = { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE }
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username)
    const password = decodeURIComponent(u.password)
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    u.username = ''
    u.password = ''
  }
  return { base: u.toString().replace(/\/+$/, ''), where: u.host, headers }
}

/** Schema ids and subjects are looked up once per process and registry. */
const cache = new Map<string, unknown>()

export class SchemaRegistry {
  private readonly endpoint: Endpoint
  private readonly timeoutMs: number

  constructor(options: RegistryOptions) {
    this.endpoint = endpoint(options.url)
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  /** The Avro schema (JSON text) registered under `id`. */
  schemaById(id: number): string {
    return this.cached(`id:${id}`, () => {
      const answer = this.call('GET', `/schemas/ids/${id}`, undefined, `schema id ${id}`)
      return schemaText(answer, `schema id ${id}`, this.endpoint.where)
    })
  }

  /** The newest version registered under `subject`: its id and schema. */
  latest(subject: string): { id: number; schema: string } {
    return this.cached(`latest:${subject}`, () => {
      const path = `/subjects/${encodeURIComponent(subject)}/versions/latest`
      const answer = this.call('GET', path, undefined, `latest schema of subject '${subject}'`)
      return {
        id: Number(answer.id),
        schema: schemaText(answer, `subject '${subject}'`, this.endpoint.where),
      }
    })
  }

  /** Registers `schema` under `subject` (or finds it registered) and returns its id. */
  register(subject: string, schema: string): number {
    return this.cached(`register:${subject}:${schema}`, () => {
      const path = `/subjects/${encodeURIComponent(subject)}/versions`
      const answer = this.call(
        'POST',
        path,
        JSON.stringify({ schema }),
        `subject '${subject}' to register a schema under`,
      )
      if (typeof answer.id !== 'number') {
        throw new TributaryError(
          `AVRO_REGISTRY_ERROR: the schema registry at ${this.endpoint.where} answered ${path} without an id.`,
          'AVRO_REGISTRY_ERROR',
        )
      }
      return answer.id
    })
  }

  private cached<T>(key: string, load: () => T): T {
    const k = `${this.endpoint.base} ${key}`
    if (!cache.has(k)) cache.set(k, load())
    return cache.get(k) as T
  }

  private call(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    what: string,
  ): Record<string, unknown> {
    const { base, where, headers } = this.endpoint
    const answer = httpSync({ method, url: `${base}${path}`, headers, body, timeoutMs: this.timeoutMs })
    if (!answer.ok) {
      throw new TributaryError(
        `AVRO_REGISTRY_ERROR: the schema registry at ${where} did not answer ${method} ${path} (${answer.error}), looking up ${what}. Check the address and that the registry is up.`,
        'AVRO_REGISTRY_ERROR',
      )
    }
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(answer.body) as Record<string, unknown>
    } catch {
      parsed = {}
    }
    if (answer.status >= 200 && answer.status < 300) return parsed
    const code = parsed.error_code
    const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${answer.status}`
    if (code === 40403 || code === 40401 || code === 40402 || answer.status === 404) {
      throw new TributaryError(
        `AVRO_UNKNOWN_SCHEMA: the schema registry at ${where} has no ${what} (${message}${code ? `, error ${code}` : ''}). Check the id or subject, or that the producer registered its schema there.`,
        'AVRO_UNKNOWN_SCHEMA',
      )
    }
    throw new TributaryError(
      `AVRO_REGISTRY_ERROR: the schema registry at ${where} refused ${method} ${path} (${message}${code ? `, error ${code}` : ''}; HTTP ${answer.status}) while looking up ${what}.${answer.status === 401 || answer.status === 403 ? ' Check the credentials in the registry URL.' : ''}`,
      'AVRO_REGISTRY_ERROR',
    )
  }
}

function schemaText(answer: Record<string, unknown>, what: string, where: string): string {
  if (answer.schemaType !== undefined && answer.schemaType !== 'AVRO') {
    throw new TributaryError(
      `AVRO_UNKNOWN_SCHEMA: ${what} at ${where} is a ${String(answer.schemaType)} schema, not Avro; from_avro reads Avro only.`,
      'AVRO_UNKNOWN_SCHEMA',
    )
  }
  if (typeof answer.schema !== 'string') {
    throw new TributaryError(
      `AVRO_REGISTRY_ERROR: the schema registry at ${where} answered for ${what} without a schema.`,
      'AVRO_REGISTRY_ERROR',
    )
  }
  return answer.schema
}
