/**
 * The SQL twins of the examples, as docs/sql.md prints them: each builds, on the example's
 * schema, a query with the fluent query's columns and types, and where the two are written
 * with the same steps, the same physical plan.
 */
import { describe, expect, it } from 'vitest'
import {
  avg,
  col,
  count,
  type DataFrame,
  explode,
  functions as F,
  lit,
  MemoryStream,
  max,
  RATE_SCHEMA,
  type Session,
  SOCKET_SCHEMA,
  schema,
  when,
} from '../../src/index.js'
import type { Schema } from '../../src/types/schema.js'
import { newSession } from '../helpers.js'

type AnyFrame = { schema: Schema<unknown>; explain(extended?: boolean): string }

interface Twin {
  readonly example: string
  /** Builds both forms; views the SQL reads are registered here. */
  build(session: Session): { sql: AnyFrame; fluent: AnyFrame }
  /** The two forms take the same steps, so their physical plans match. */
  readonly samePlan: boolean
}

const stream = <R>(session: Session, s: Schema<R>): DataFrame<R> => new MemoryStream(session, s).toDF()

const twins: Twin[] = [
  {
    example: '01-quickstart (clean)',
    samePlan: true,
    build: (session) => {
      const views = stream(session, schema({ ts: 'timestamp', user: 'string', page: 'string', ms: 'double' }))
      views.createOrReplaceTempView('views')
      return {
        sql: session.sql(
          'SELECT ts, user, lower(page) AS page, round(ms / 1000, 3) AS seconds FROM views WHERE ms > 0',
        ),
        fluent: views
          .where(col('ms').gt(0))
          .select(
            'ts',
            'user',
            F.lower(col('page')).alias('page'),
            F.round(col('ms').divide(1000), 3).alias('seconds'),
          ),
      }
    },
  },
  {
    example: '01-quickstart (per window)',
    samePlan: true,
    build: (session) => {
      const views = stream(session, schema({ ts: 'timestamp', user: 'string', page: 'string', ms: 'double' }))
      views.where('ms > 0').withWatermark('ts', '10 minutes').createOrReplaceTempView('positive_views')
      return {
        sql: session.sql(`
          SELECT window(ts, '5 minutes') AS window, lower(page) AS page,
                 count(*) AS views, round(avg(ms), 1) AS avg_ms
          FROM positive_views
          GROUP BY window(ts, '5 minutes'), lower(page)`),
        fluent: views
          .where(col('ms').gt(0))
          .withWatermark('ts', '10 minutes')
          .groupBy(F.window(col('ts'), '5 minutes'), F.lower(col('page')).alias('page'))
          .agg(count().alias('views'), F.round(F.avg('ms'), 1).alias('avg_ms')),
      }
    },
  },
  {
    example: 'docs/getting-started.md (counting in event time)',
    samePlan: true,
    build: (session) => {
      const views = stream(session, schema({ ts: 'timestamp', page: 'string' }))
      views.withWatermark('ts', '10 minutes').createOrReplaceTempView('views')
      return {
        sql: session.sql(`
          SELECT window(ts, '5 minutes') AS window, page, count(*) AS count
          FROM views
          GROUP BY window(ts, '5 minutes'), page`),
        fluent: views
          .withWatermark('ts', '10 minutes')
          .groupBy(F.window(col('ts'), '5 minutes'), 'page')
          .count(),
      }
    },
  },
  {
    example: '02-socket-word-count',
    samePlan: true,
    build: (session) => {
      const lines = stream(session, SOCKET_SCHEMA)
      lines.createOrReplaceTempView('lines')
      return {
        sql: session.sql(
          "SELECT word, count(*) AS count FROM (SELECT explode(split(value, ' ')) AS word FROM lines) GROUP BY word",
        ),
        fluent: lines
          .select(explode(F.split(col('value'), ' ')).alias('word'))
          .groupBy('word')
          .count(),
      }
    },
  },
  {
    example: '03-rate-to-console',
    samePlan: false,
    build: (session) => {
      const ticks = stream(session, RATE_SCHEMA)
      ticks.createOrReplaceTempView('ticks')
      return {
        sql: session.sql(
          "SELECT *, value * 10 AS tenfold, CASE WHEN value % 2 = 0 THEN 'even' ELSE 'odd' END AS parity FROM ticks",
        ),
        fluent: ticks
          .withColumn('tenfold', col('value').multiply(10))
          .withColumn('parity', when(col('value').mod(2).equalTo(0), lit('even')).otherwise(lit('odd'))),
      }
    },
  },
  {
    example: '04-foreach-batch (the per-batch summary)',
    samePlan: true,
    build: (session) => {
      const batch = session.createDataFrame(
        [{ id: 1, country: 'NO', amount: 120 }],
        schema({ id: 'long', country: 'string', amount: 'double' }),
      )
      batch.createOrReplaceTempView('batch')
      return {
        sql: batch.session.sql(
          'SELECT country, count(*) AS orders, round(sum(amount), 2) AS revenue FROM batch GROUP BY country ORDER BY country',
        ),
        fluent: batch
          .groupBy('country')
          .agg(count().alias('orders'), F.round(F.sum('amount'), 2).alias('revenue'))
          .orderBy('country'),
      }
    },
  },
  {
    example: '05-iot-readings',
    samePlan: true,
    build: (session) => {
      const readings = stream(session, schema({ device: 'string', ts: 'timestamp', celsius: 'double' }))
      readings.withWatermark('ts', '10 minutes').createOrReplaceTempView('readings')
      return {
        sql: session.sql(`
          SELECT window(ts, '5 minutes'), device, round(avg(celsius), 2) AS avg_celsius, count(*) AS readings
          FROM readings
          GROUP BY window(ts, '5 minutes'), device`),
        fluent: readings
          .withWatermark('ts', '10 minutes')
          .groupBy(F.window(col('ts'), '5 minutes'), 'device')
          .agg(F.round(F.avg('celsius'), 2).alias('avg_celsius'), count().alias('readings')),
      }
    },
  },
  {
    example: '06-clickstream-sessions',
    samePlan: true,
    build: (session) => {
      const clicks = stream(
        session,
        schema({ visitor: 'string', vip: 'boolean', ts: 'timestamp', page: 'string' }),
      )
      clicks.withWatermark('ts', '1 hour').createOrReplaceTempView('clicks')
      return {
        sql: session.sql(`
          SELECT visitor, session_window(ts, CASE WHEN vip THEN '60 minutes' ELSE '30 minutes' END),
                 count(*) AS clicks, collect_list(page) AS pages
          FROM clicks
          GROUP BY visitor, session_window(ts, CASE WHEN vip THEN '60 minutes' ELSE '30 minutes' END)`),
        fluent: clicks
          .withWatermark('ts', '1 hour')
          .groupBy(
            'visitor',
            F.session_window(col('ts'), when(col('vip'), '60 minutes').otherwise('30 minutes')),
          )
          .agg(count().alias('clicks'), F.collect_list('page').alias('pages')),
      }
    },
  },
  {
    example: '07-dedup-retries (SQL after the DataFrame dedup)',
    samePlan: true,
    build: (session) => {
      const payments = stream(session, schema({ eventId: 'string', ts: 'timestamp', amount: 'double' }))
      const unique = payments.withWatermark('ts', '10 minutes').dropDuplicatesWithinWatermark(['eventId'])
      unique.createOrReplaceTempView('unique_payments')
      return { sql: session.sql('SELECT * FROM unique_payments'), fluent: unique }
    },
  },
  {
    example: '11-nats-jetstream',
    samePlan: true,
    build: (session) => {
      const nats = stream(session, schema({ sequence: 'long', data: 'binary' }))
      nats.createOrReplaceTempView('orders')
      return {
        sql: session
          .sql(`
          SELECT sequence,
                 CAST(get_json_object(CAST(data AS STRING), '$.id') AS BIGINT) AS id,
                 CAST(get_json_object(CAST(data AS STRING), '$.amount') AS DOUBLE) AS amount
          FROM orders`)
          .where('amount >= 100'),
        fluent: nats
          .select(
            col('sequence'),
            F.get_json_object(col('data').cast('string'), '$.id').cast('long').alias('id'),
            F.get_json_object(col('data').cast('string'), '$.amount').cast('double').alias('amount'),
          )
          .where(col('amount').geq(100)),
      }
    },
  },
  {
    example: '12-redis-streams',
    samePlan: true,
    build: (session) => {
      const readings = stream(
        session,
        schema({ sensor: 'string', celsius: 'double', _timestamp: 'timestamp', _corrupt_record: 'string' }),
      )
      readings.createOrReplaceTempView('readings')
      return {
        sql: session.sql('SELECT sensor, celsius, _timestamp AS at, _corrupt_record AS bad FROM readings'),
        fluent: readings.select(
          col('sensor'),
          col('celsius'),
          col('_timestamp').alias('at'),
          col('_corrupt_record').alias('bad'),
        ),
      }
    },
  },
  {
    example: '13-mqtt-iot',
    samePlan: true,
    build: (session) => {
      const mqtt = stream(session, schema({ payload: 'binary', timestamp: 'timestamp' }))
      mqtt.createOrReplaceTempView('mqtt')
      const reading = schema({ device: 'string', temp: 'double' })
      return {
        sql: session.sql(`
          SELECT r.device AS device, r.temp AS temp, receivedAt
          FROM (SELECT from_json(CAST(payload AS STRING), 'device STRING, temp DOUBLE') AS r, timestamp AS receivedAt FROM mqtt)
          WHERE r.temp > 80`),
        fluent: mqtt
          .select(
            F.from_json(col('payload').cast('string'), reading).alias('r'),
            col('timestamp').alias('receivedAt'),
          )
          .where(col('r.temp').gt(80))
          .select(col('r.device').alias('device'), col('r.temp').alias('temp'), col('receivedAt')),
      }
    },
  },
  {
    example: '13-mqtt-iot (the summary)',
    samePlan: false,
    build: (session) => {
      const table = session.createDataFrame(
        [{ device: 'd1', temp: 81 }],
        schema({ device: 'string', temp: 'double' }),
      )
      table.createOrReplaceTempView('readings')
      return {
        sql: session.sql(
          'SELECT device, count(temp) AS readings, avg(temp) AS avgTemp, max(temp) AS maxTemp FROM readings GROUP BY device ORDER BY device',
        ),
        fluent: table
          .groupBy('device')
          .agg(count('temp').alias('readings'), avg('temp').alias('avgTemp'), max('temp').alias('maxTemp'))
          .orderBy('device'),
      }
    },
  },
  {
    example: '14-kafka',
    samePlan: false,
    build: (session) => {
      const kafka = stream(
        session,
        schema({ key: 'binary', value: 'binary', partition: 'int', offset: 'long' }),
      )
      kafka.createOrReplaceTempView('orders')
      const order = schema({ id: 'int', customer: 'string', amount: 'double' })
      return {
        sql: session.sql(`
          SELECT o.customer AS key, to_json(struct(o.customer AS customer, o.amount AS amount)) AS value
          FROM (SELECT partition, offset, from_json(CAST(value AS STRING), 'id INT, customer STRING, amount DOUBLE') AS o FROM orders)
          WHERE o.amount > 400`),
        fluent: kafka
          .select(col('partition'), col('offset'), F.from_json(col('value').cast('string'), order).alias('o'))
          .select(
            col('partition'),
            col('offset'),
            col('o').getField('customer').alias('customer'),
            col('o').getField('amount').alias('amount'),
          )
          .where(col('amount').gt(400))
          .select(
            col('customer').alias('key'),
            F.to_json(F.struct(col('customer'), col('amount'))).alias('value'),
          ),
      }
    },
  },
  {
    example: '20-orders-enriched',
    samePlan: true,
    build: (session) => {
      const customers = session.createDataFrame(
        [{ customerId: 'c1', name: 'Ada', tier: 'gold' }],
        schema({ customerId: 'string', name: 'string', tier: 'string' }),
      )
      const orders = stream(session, schema({ orderId: 'long', customerId: 'string', amount: 'double' }))
      customers.createOrReplaceTempView('customers')
      orders.createOrReplaceTempView('orders')
      return {
        sql: session.sql(
          'SELECT orderId, customerId, name, tier, amount FROM orders LEFT JOIN customers USING (customerId)',
        ),
        fluent: orders
          .join(customers, 'customerId', 'left')
          .select('orderId', 'customerId', 'name', 'tier', 'amount'),
      }
    },
  },
  {
    example: '21-ads-impressions-clicks',
    samePlan: true,
    build: (session) => {
      const shown = stream(
        session,
        schema({ impressionAdId: 'string', impressionTime: 'timestamp' }),
      ).withWatermark('impressionTime', '2 hours')
      const clicked = stream(session, schema({ clickAdId: 'string', clickTime: 'timestamp' })).withWatermark(
        'clickTime',
        '3 hours',
      )
      shown.createOrReplaceTempView('impressions')
      clicked.createOrReplaceTempView('clicks')
      return {
        sql: session.sql(`
          SELECT * FROM impressions LEFT OUTER JOIN clicks
            ON clickAdId = impressionAdId
           AND clickTime BETWEEN impressionTime AND impressionTime + INTERVAL 1 HOUR`),
        fluent: shown.join(
          clicked,
          col('clickAdId')
            .eq(col('impressionAdId'))
            .and(
              col('clickTime').between(
                col('impressionTime'),
                col('impressionTime').plus(F.interval('1 hour')),
              ),
            ),
          'left_outer',
        ),
      }
    },
  },
  {
    example: '22-fraud-profile',
    samePlan: false,
    build: (session) => {
      const transaction = schema({ txId: 'long', card: 'string', amount: 'double', ts: 'timestamp' })
      const history = session.createDataFrame(
        [{ txId: 1, card: 'A', amount: 20, ts: new Date(0) }],
        transaction,
      )
      const live = stream(session, transaction)
      history.createOrReplaceTempView('history')
      live.createOrReplaceTempView('live')
      return {
        sql: session.sql(`
          WITH profile AS (
            SELECT card, avg(amount) AS usualSpend, count(*) AS historyCount FROM history GROUP BY card
          )
          SELECT /*+ BROADCAST(profile) */ txId, card, amount, usualSpend,
                 round(amount / usualSpend, 1) AS ratio,
                 CASE WHEN usualSpend IS NULL THEN 'no profile'
                      WHEN amount > usualSpend * 5 THEN 'far above usual'
                      ELSE 'ok' END AS flag
          FROM live LEFT JOIN profile USING (card)`),
        fluent: live
          .join(
            F.broadcast(
              history
                .groupBy('card')
                .agg(F.avg('amount').alias('usualSpend'), F.count().alias('historyCount')),
            ),
            'card',
            'left',
          )
          .withColumn('ratio', F.round(col('amount').divide(col('usualSpend')), 1))
          .withColumn(
            'flag',
            when(col('usualSpend').isNull(), lit('no profile'))
              .when(col('amount').gt(col('usualSpend').multiply(5)), lit('far above usual'))
              .otherwise(lit('ok')),
          )
          .select('txId', 'card', 'amount', 'usualSpend', 'ratio', 'flag'),
      }
    },
  },
]

const quiet = (f: () => string): string => {
  const log = console.log
  console.log = () => {}
  try {
    return f()
  } finally {
    console.log = log
  }
}

describe('the SQL twins of the examples (docs/sql.md)', () => {
  for (const twin of twins) {
    it(twin.example, () => {
      const { sql, fluent } = twin.build(newSession())
      expect(sql.schema.simpleString()).toBe(fluent.schema.simpleString())
      if (twin.samePlan) expect(quiet(() => sql.explain())).toBe(quiet(() => fluent.explain()))
    })
  }
})
