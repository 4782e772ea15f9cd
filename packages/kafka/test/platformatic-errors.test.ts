/** @platformatic/kafka error trees as Tributary errors: cause, brokers, fix, and no secrets. */
import { MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka'
import { describe, expect, it } from 'vitest'
import type { KafkaClientConfig } from '../src/adapter.js'
import { translateError } from '../src/platformatic/errors.js'

const config: KafkaClientConfig = {
  bootstrapServers: ['b1:9092', 'b2:9092'],
  clientId: 'test',
  properties: {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.password': 'hunter2',
  },
  isolationLevel: 'read_uncommitted',
}

describe('translateError', () => {
  it('names every broker that could not be reached and the system error', () => {
    const refused = (host: string) =>
      new NetworkError(`Connection to ${host} failed.`, {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      })
    const e = new MultipleErrors('metadata failed 2 times.', [
      new MultipleErrors('Cannot connect to any broker.', [refused('b1:9092'), refused('b2:9092')]),
    ])
    const t = translateError(e, config, 'listing topics')
    expect(t.code).toBe('KAFKA_CONNECT_FAILED')
    expect(t.message).toBe(
      "KAFKA_CONNECT_FAILED: cannot reach the Kafka brokers while listing topics (b1:9092: ECONNREFUSED; b2:9092: ECONNREFUSED). Start Kafka there, or fix 'kafka.bootstrap.servers' and 'kafka.security.protocol'.",
    )
  })

  it('reports a SASL failure with the mechanism, never the password', () => {
    const e = new MultipleErrors('x', [
      new ProtocolError(
        'SASL_AUTHENTICATION_FAILED',
        'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      ),
    ])
    const t = translateError(e, config, 'listing topics')
    expect(t.code).toBe('KAFKA_AUTH_FAILED')
    expect(t.message).toMatch(
      /refused SASL SCRAM-SHA-512 authentication while listing topics: Authentication failed.*Check 'kafka.sasl.mechanism'/,
    )
    expect(t.message).not.toContain('hunter2')
  })

  it('reports missing ACLs', () => {
    const t = translateError(
      new ProtocolError('TOPIC_AUTHORIZATION_FAILED'),
      config,
      'reading latest offsets',
    )
    expect(t.code).toBe('KAFKA_NOT_AUTHORIZED')
    expect(t.message).toMatch(
      /answered TOPIC_AUTHORIZATION_FAILED while reading latest offsets. Grant this principal/,
    )
  })

  it('names other server errors', () => {
    const t = translateError(new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION'), config, 'fetching')
    expect(t.message).toMatch(/^KAFKA_ERROR: Kafka failed while fetching: UNKNOWN_TOPIC_OR_PARTITION/)
  })
})
