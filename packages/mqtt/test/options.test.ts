/** Option checks, error texts and the offset buffer: no broker needed. */
import '@tributary/mqtt'
import { ReceiveBuffer, schema } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { connectError } from '../src/connect.js'
import { newSession } from './helpers.js'

const load = (options: Record<string, string | number | boolean>) => () =>
  newSession().readStream.format('mqtt').options(options).load()

describe('mqtt source options', () => {
  it('refuses an unknown option with its near match', () => {
    expect(load({ topic: 'a/b' })).toThrow(/unknown option 'topic'. Did you mean 'topics'\?/)
    expect(load({ topics: 'a', cleansesion: false })).toThrow(/Did you mean 'cleanSession'\?/)
  })

  it('requires topics, and checks each filter', () => {
    expect(load({})).toThrow(/option 'topics' is required.*sensors\/#/)
    expect(load({ topics: ' , ' })).toThrow(/names no topic filter/)
    expect(load({ topics: 'a/#/b' })).toThrow(
      /'a\/#\/b' is not valid: '#' must be a whole level and the last one/,
    )
    expect(load({ topics: 'a/b+' })).toThrow(/'\+' must be a whole level/)
  })

  it('checks qos, protocol version, URLs and TLS files', () => {
    expect(load({ topics: 'a', qos: 2 })).toThrow(/option 'qos' must be one of '0', '1', got '2'/)
    expect(load({ topics: 'a', protocolVersion: 4, sessionExpiryInterval: 60 })).toThrow(
      /'sessionExpiryInterval' is an MQTT 5 setting, but protocolVersion is 4/,
    )
    expect(load({ topics: 'a', brokerUrl: 'http://host' })).toThrow(
      /scheme 'http'; use one of mqtt, tcp, mqtts/,
    )
    expect(load({ topics: 'a', brokerUrl: 'not a url :pw@' })).toThrow(
      /must be a URL such as 'mqtt:\/\/host:1883'/,
    )
    expect(load({ topics: 'a', 'tls.caFile': '/nonexistent/ca.pem' })).toThrow(
      /'tls.caFile' names \/nonexistent\/ca.pem, which cannot be read \(ENOENT\)/,
    )
    expect(load({ topics: 'a', password: 'pw' })).toThrow(/'password' is set but 'username' is not/)
  })

  it('is streaming only, with a fixed schema', () => {
    const session = newSession()
    expect(() => session.read.format('mqtt').option('topics', 'a').load()).toThrow(/UNSUPPORTED_BATCH_SOURCE/)
    expect(() =>
      session.readStream
        .format('mqtt')
        .schema(schema({ x: 'string' }))
        .option('topics', 'a')
        .load(),
    ).toThrow(
      /fixed schema \(struct<topic:string,payload:binary,qos:int,retained:boolean,timestamp:timestamp>\)/,
    )
  })

  it('has the documented columns', () => {
    const df = newSession().readStream.format('mqtt').option('topics', 'a/#').load()
    expect(df.schema.simpleString()).toBe(
      'struct<topic:string,payload:binary,qos:int,retained:boolean,timestamp:timestamp>',
    )
  })
})

describe('connection errors', () => {
  const config = { address: 'broker.example:8883' }

  it('names the refusal and the fix, never the secret', () => {
    const v5 = connectError(
      'the mqtt source',
      config,
      Object.assign(new Error('Connection refused'), { code: 0x86 }),
    )
    expect(v5.message).toBe(
      "MQTT_AUTH_FAILED: the mqtt source: the MQTT broker at broker.example:8883 refused the connection: bad user name or password (reason code 134). Fix: check the 'username' and 'password' options.",
    )
    expect(v5.code).toBe('MQTT_AUTH_FAILED')
    const v3 = connectError('the mqtt sink', config, Object.assign(new Error('x'), { code: 5 }))
    expect(v3.code).toBe('MQTT_NOT_AUTHORIZED')
    expect(v3.message).toContain("check the broker's access rules")
  })

  it('names host, port and the system error for network failures', () => {
    const e = connectError(
      'the mqtt source',
      config,
      Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
    )
    expect(e.message).toMatch(
      /cannot connect to the MQTT broker at broker.example:8883 \(ENOTFOUND\).*'brokerUrl'/,
    )
  })
})

describe('ReceiveBuffer as the MQTT source uses it', () => {
  it('numbers messages on from the resumed offset and returns what a commit drops', () => {
    const b = new ReceiveBuffer<string>()
    b.push('a')
    b.push('b')
    b.push('c')
    expect(b.latest(10)).toBe(13)
    expect(b.latest(10, 2)).toBe(12)
    expect(b.range(10, 12)).toEqual(['a', 'b'])
    expect(b.commit(12)).toEqual(['a', 'b'])
    expect(b.commit(12)).toEqual([])
    expect(b.range(12, 13)).toEqual(['c'])
    expect(b.bufferedCount).toBe(1)
  })

  it('returns a replayed range of an earlier run as empty, and counts it', () => {
    const b = new ReceiveBuffer<string>()
    expect(b.range(5, 8)).toEqual([])
    expect(b.lost).toBe(3)
    b.push('new')
    expect(b.latest(8)).toBe(9)
    expect(b.range(8, 9)).toEqual(['new'])
  })

  it('stops at what was received when availableNow began', () => {
    const b = new ReceiveBuffer<string>()
    b.push('a')
    b.capAtReceived()
    b.push('b')
    expect(b.latest(0)).toBe(1)
  })
})
