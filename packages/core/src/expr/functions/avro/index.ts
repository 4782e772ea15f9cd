/**
 * from_avro and to_avro, as spark-avro has them, over avsc. `from_avro(binary, schema)`
 * decodes each value with the Avro schema into a column of the matching type;
 * `to_avro(column, schema?)` encodes. Both also speak Confluent's wire format (a magic
 * byte and a schema id before the body): with the writer schemas given per id, or looked
 * up in a Schema Registry (schema-registry.ts). Options are plain data, so the expression
 * stays serializable.
 */
import type avro from 'avsc'
import { BinaryType, typeToString } from '../../../types/data-types.js'
import { AnalysisError, MalformedRecordError, TributaryError } from '../../../util/errors.js'
import { expectArity, registerFunction } from '../../registry.js'
import { expectArg, map1, nestedToEngine } from '../common.js'
import { avroToDataType, dataTypeToAvro, parseAvroSchema } from './avro-types.js'
import { avroToNested, nestedToAvro } from './avro-values.js'
import { frame, unframe } from './confluent-wire.js'
import { SchemaRegistry } from './schema-registry.js'

/** The options from_avro and to_avro carry in their expression (see api/functions.ts for the user's view). */
export interface AvroCallOptions {
  readonly schema?: string
  readonly mode?: string
  readonly wireFormat?: string
  /** Confluent: writer schemas by id (JSON text). */
  readonly schemas?: Readonly<Record<string, string>>
  readonly schemaRegistryUrl?: string
  readonly subject?: string
  /** to_avro with the Confluent format: the id to put before each body. */
  readonly schemaId?: number
}

function wireFormat(fn: string, o: AvroCallOptions): 'avro' | 'confluent' {
  const w = (o.wireFormat ?? 'avro').toLowerCase()
  if (w !== 'avro' && w !== 'confluent') {
    throw new AnalysisError(
      `AVRO_INVALID_OPTION: ${fn} option wireFormat is '${o.wireFormat}'; use 'avro' (the body alone) or 'confluent' (magic byte and schema id first).`,
      'AVRO_INVALID_OPTION',
    )
  }
  return w
}

/** The first bytes of a record, in hex: enough to find it, never a whole payload. */
const hex = (bytes: Uint8Array): string =>
  `${Buffer.from(bytes.subarray(0, 8)).toString('hex')}${bytes.length > 8 ? '…' : ''}`

const registryOf = (o: AvroCallOptions) =>
  o.schemaRegistryUrl ? new SchemaRegistry({ url: o.schemaRegistryUrl }) : undefined

registerFunction({
  kind: 'scalar',
  name: 'from_avro',
  bind(args, options) {
    expectArity('from_avro', args, 1)
    expectArg(
      'from_avro',
      args,
      0,
      (t) => t.kind === 'binary',
      'binary',
      "Read Kafka's value column, or cast to binary.",
    )
    const o = options as AvroCallOptions
    const wire = wireFormat('from_avro', o)
    const mode = (o.mode ?? 'FAILFAST').toUpperCase()
    if (mode !== 'FAILFAST' && mode !== 'PERMISSIVE') {
      throw new AnalysisError(
        `AVRO_INVALID_OPTION: from_avro mode is '${o.mode}'; use 'FAILFAST' (stop at a malformed record, the default) or 'PERMISSIVE' (null for it).`,
        'AVRO_INVALID_OPTION',
      )
    }
    const registry = registryOf(o)
    let readerSchema = o.schema
    if (readerSchema === undefined && registry && o.subject) readerSchema = registry.latest(o.subject).schema
    if (readerSchema === undefined) {
      throw new AnalysisError(
        "AVRO_INVALID_SCHEMA: from_avro needs the reader schema: from_avro(col('value'), schemaJson), or with the Confluent format { schemaRegistryUrl, subject } to take the subject's latest schema.",
        'AVRO_INVALID_SCHEMA',
      )
    }
    const reader = parseAvroSchema(readerSchema, 'from_avro')
    const type = avroToDataType(reader).type
    const resolvers = new Map<number, avro.Resolver | null>()
    // The writer schema of a Confluent record: given per id, or from the registry, else the reader's own.
    const resolverFor = (id: number): avro.Resolver | null => {
      let r = resolvers.get(id)
      if (r !== undefined) return r
      const given = o.schemas?.[String(id)]
      const writerText = given ?? registry?.schemaById(id)
      if (writerText === undefined) {
        if (o.schemas) {
          throw new TributaryError(
            `AVRO_UNKNOWN_SCHEMA: a record carries schema id ${id}, which from_avro's schemas option does not list (it has ${Object.keys(o.schemas).join(', ') || 'none'}). Add that id's writer schema, or give schemaRegistryUrl.`,
            'AVRO_UNKNOWN_SCHEMA',
          )
        }
        r = null
      } else {
        const writer = parseAvroSchema(writerText, `from_avro (writer schema of id ${id})`)
        try {
          r = reader.createResolver(writer)
        } catch (e) {
          throw new TributaryError(
            `AVRO_INCOMPATIBLE_SCHEMA: records written with schema id ${id} cannot be read with from_avro's schema: ${(e as Error).message}. Give a reader schema that Avro's resolution rules can match to the writer's (new fields need defaults).`,
            'AVRO_INCOMPATIBLE_SCHEMA',
          )
        }
      }
      resolvers.set(id, r)
      return r
    }
    const decode = (bytes: Uint8Array): unknown => {
      try {
        if (wire === 'avro')
          return reader.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
        const framed = unframe(bytes)
        if (!framed) {
          throw new MalformedRecordError(
            `AVRO_WIRE_FORMAT: a record (starting ${hex(bytes)}) does not start with Confluent's magic byte 0 and a 4-byte schema id Read it with wireFormat 'avro' if the producer writes bare Avro.`,
            'AVRO_WIRE_FORMAT',
          )
        }
        const resolver = resolverFor(framed.id)
        return resolver ? reader.fromBuffer(framed.body, resolver) : reader.fromBuffer(framed.body)
      } catch (e) {
        if (e instanceof TributaryError && e.code !== 'AVRO_WIRE_FORMAT') throw e
        if (mode === 'PERMISSIVE') return null
        if (e instanceof MalformedRecordError) throw e
        throw new MalformedRecordError(
          `AVRO_MALFORMED_RECORD: a record (starting ${hex(bytes)}) cannot be decoded with the ${wire === 'confluent' ? 'writer' : 'given'} schema (${(e as Error).message}). Check that the producer writes with this schema${wire === 'avro' ? " and without Confluent's 5-byte header (else use wireFormat 'confluent')" : ''}, or read with mode 'PERMISSIVE' to get null for such records.`,
          'AVRO_MALFORMED_RECORD',
        )
      }
    }
    const [a] = args
    return {
      type,
      evaluate: (batch, ctx) =>
        map1<Uint8Array>(type, a.evaluate(batch, ctx), (bytes) =>
          nestedToEngine(type, avroToNested(type, decode(bytes))),
        ),
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'to_avro',
  bind(args, options) {
    expectArity('to_avro', args, 1)
    const o = options as AvroCallOptions
    const wire = wireFormat('to_avro', o)
    const [a] = args
    const schemaText = o.schema ?? JSON.stringify(dataTypeToAvro(a.type, false))
    const writer = parseAvroSchema(schemaText, 'to_avro')
    let id: number | undefined
    if (wire === 'confluent') {
      const registry = registryOf(o)
      if (o.schemaId !== undefined) id = o.schemaId
      else if (registry && o.subject) id = registry.register(o.subject, JSON.stringify(writer.schema()))
      else {
        throw new AnalysisError(
          "AVRO_INVALID_OPTION: to_avro with wireFormat 'confluent' needs the schema id to write: give schemaId, or schemaRegistryUrl and subject to register the schema.",
          'AVRO_INVALID_OPTION',
        )
      }
    }
    const encode = (v: unknown): Uint8Array => {
      const value = nestedToAvro(a.type, v)
      const problems: string[] = []
      if (!writer.isValid(value, { errorHook: (path) => problems.push(path.join('.') || '(the value)') })) {
        throw new TributaryError(
          `AVRO_TYPE_MISMATCH: to_avro cannot write a value of ${typeToString(a.type)} with the given schema: ${problems.join(', ')} ${problems.length === 1 ? 'does' : 'do'} not fit (value ${JSON.stringify(value)?.slice(0, 200)}). Make the schema match the column (nullable fields as ["null", T]), or cast the column.`,
          'AVRO_TYPE_MISMATCH',
        )
      }
      const body = writer.toBuffer(value)
      return id === undefined
        ? new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))
        : frame(id, body)
    }
    return {
      type: BinaryType,
      evaluate: (batch, ctx) => map1<unknown>(BinaryType, a.evaluate(batch, ctx), encode),
    }
  },
})
