/**
 * from_avro and to_avro against a Schema Registry. No registry runs here, so the client is
 * exercised against answers in the shapes the registry's REST API reference documents
 * (registry-recordings.json), served over HTTP by registry-server.mjs in a child process:
 * the requests the client makes (paths, content type, Basic auth) are checked too.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import avro from 'avsc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { col, functions as F, nullable, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

let server: ChildProcess
let url = ''
const requests: {
  method: string
  path: string
  contentType?: string
  authorization: string | null
  body: string
}[] = []

beforeAll(async () => {
  server = spawn(process.execPath, [fileURLToPath(new URL('./registry-server.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    server.stdout!.on('data', (d: Buffer) => {
      buffered += d
      let nl = buffered.indexOf('\n')
      while (nl >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        const port = /^PORT (\d+)$/.exec(line)
        if (port) resolve(`http://127.0.0.1:${port[1]}`)
        else if (line.startsWith('{')) requests.push(JSON.parse(line))
        nl = buffered.indexOf('\n')
      }
    })
    server.on('exit', (code) => reject(new Error(`the registry stand-in exited with ${code}`)))
  })
})
afterAll(() => {
  server?.kill()
})

/** The stand-in logs each request on its stdout, which this process reads once its thread is free again. */
async function logged(method: string, path: string) {
  for (let i = 0; i < 100; i++) {
    const r = requests.find((x) => x.method === method && x.path === path)
    if (r) return r
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(
    `the registry stand-in saw no ${method} ${path}; it saw ${requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
  )
}

const v1 = avro.Type.forSchema({
  type: 'record',
  name: 'Payment',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
})
const framed = (id: number, value: unknown) => {
  const body = v1.toBuffer(value)
  const out = Buffer.alloc(5 + body.length)
  out.writeUInt32BE(id, 1)
  body.copy(out, 5)
  return new Uint8Array(out)
}

/** Kafka-shaped rows: what the kafka source gives (key, value, topic, partition, offset, timestamp). */
const kafkaRows = (values: Uint8Array[]) =>
  newSession().createDataFrame(
    values.map((value, offset) => ({
      key: null,
      value,
      topic: 'payments',
      partition: 0,
      offset,
      timestamp: new Date(1_765_000_000_000 + offset),
    })),
    schema({
      key: nullable('binary'),
      value: 'binary',
      topic: 'string',
      partition: 'int',
      offset: 'long',
      timestamp: 'timestamp',
    }),
  )

describe('Schema Registry', () => {
  it("reads a topic's records with the subject's latest schema, writer schemas looked up by id", async () => {
    const df = kafkaRows([framed(1, { id: 'p1', amount: 10 }), framed(1, { id: 'p2', amount: 2.5 })])
    const payments = df.select(
      col('offset'),
      F.from_avro(col('value'), null, {
        wireFormat: 'confluent',
        schemaRegistryUrl: url,
        subject: 'payments-value',
      }).alias('p'),
    )
    expect(payments.schema.simpleString()).toBe(
      'struct<offset:long,p:struct<id:string,amount:double,currency:string>>',
    )
    expect(await payments.collect()).toEqual([
      { offset: 0, p: { id: 'p1', amount: 10, currency: 'EUR' } },
      { offset: 1, p: { id: 'p2', amount: 2.5, currency: 'EUR' } },
    ])
    expect((await logged('GET', '/subjects/payments-value/versions/latest')).authorization).toBeNull()
    expect((await logged('GET', '/schemas/ids/1')).contentType).toBe('application/vnd.schemaregistry.v1+json')
  })

  it('registers the schema for to_avro, frames the records with its id, and sends Basic auth from the URL', async () => {
    const df = newSession().createDataFrame(
      [{ id: 'p9', amount: 1, currency: 'USD' }],
      schema({ id: 'string', amount: 'double', currency: 'string' }),
    )
    const withCredentials = url.replace('http://', 'http://key:s%40cret@')
    const latest = JSON.stringify({
      type: 'record',
      name: 'Payment',
      namespace: 'shop',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'double' },
        { name: 'currency', type: 'string', default: 'EUR' },
      ],
    })
    const [{ v }] = await df
      .select(
        F.to_avro(F.struct('id', 'amount', 'currency'), latest, {
          wireFormat: 'confluent',
          schemaRegistryUrl: withCredentials,
          subject: 'payments-value',
        }).alias('v'),
      )
      .collect()
    expect([...v.subarray(0, 5)]).toEqual([0, 0, 0, 0, 2])
    const post = await logged('POST', '/subjects/payments-value/versions')
    expect(post.contentType).toBe('application/vnd.schemaregistry.v1+json')
    expect(JSON.parse(JSON.parse(post.body).schema).name).toBe('shop.Payment')
    expect(post.authorization).toBe(`Basic ${Buffer.from('key:s@cret').toString('base64')}`)
    // And back, through the registry's id 2.
    const back = await kafkaRows([v])
      .select(
        F.from_avro(col('value'), null, {
          wireFormat: 'confluent',
          schemaRegistryUrl: url,
          subject: 'payments-value',
        }).alias('p'),
      )
      .collect()
    expect(back).toEqual([{ p: { id: 'p9', amount: 1, currency: 'USD' } }])
  })

  it("names the registry's answer: unknown subject, unknown id, not Avro, unreachable; never the password", async () => {
    const df = kafkaRows([framed(99, { id: 'x', amount: 1 })])
    const read = (subject: string, registry = url) =>
      df.select(
        F.from_avro(col('value'), null, { wireFormat: 'confluent', schemaRegistryUrl: registry, subject }),
      )
    expect(() => read('nobody-value')).toThrow(
      /AVRO_UNKNOWN_SCHEMA: the schema registry at 127\.0\.0\.1:\d+ has no latest schema of subject 'nobody-value' \(Subject 'nobody-value' not found\., error 40401\)/,
    )
    await expect(read('payments-value').collect()).rejects.toThrow(
      /AVRO_UNKNOWN_SCHEMA: .*schema id 99.*error 40403/,
    )
    await expect(
      kafkaRows([framed(3, { id: 'x', amount: 1 })])
        .select(
          F.from_avro(col('value'), null, {
            wireFormat: 'confluent',
            schemaRegistryUrl: url,
            subject: 'payments-value',
          }),
        )
        .collect(),
    ).rejects.toThrow(/PROTOBUF schema, not Avro/)
    let message = ''
    try {
      read('payments-value', 'http://user:hunter2@127.0.0.1:9')
    } catch (e) {
      message = String((e as Error).message)
    }
    expect(message).toMatch(/AVRO_REGISTRY_ERROR: the schema registry at 127\.0\.0\.1:9 did not answer GET/)
    expect(message).not.toContain('hunter2')
  })
})
