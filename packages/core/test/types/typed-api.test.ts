/**
 * The type-level contract of the API: a schema literal types the rows, every
 * transformation yields the new row type, and an unknown literal column name does not
 * compile. `tsc` checks this file in `npm test` (the @ts-expect-error lines fail the type
 * check if the error they expect disappears); the runtime assertions check the same
 * names at run time.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  col,
  count,
  type DataFrame,
  functions as F,
  lit,
  nullable,
  type RowOf,
  schema,
} from '../../src/index.js'
import { newSession } from '../helpers.js'

const events = schema({
  ts: 'timestamp',
  user: 'string',
  ms: 'double',
  ok: 'boolean',
  tags: { array: 'string' },
  geo: { struct: { lat: 'double', city: 'string' } },
  email: nullable('string'),
})
type Event = RowOf<{
  ts: 'timestamp'
  user: 'string'
  ms: 'double'
  ok: 'boolean'
  tags: { array: 'string' }
  geo: { struct: { lat: 'double'; city: 'string' } }
  email: { type: 'string'; nullable: true }
}>

describe('typed API', () => {
  it('a schema literal gives the row type', () => {
    expectTypeOf<Event>().toEqualTypeOf<{
      ts: Date
      user: string
      ms: number
      ok: boolean
      tags: string[]
      geo: { lat: number; city: string }
      email: string | null
    }>()
    const session = newSession()
    const df = session.createDataFrame<Event>([], events)
    expectTypeOf(df).toEqualTypeOf<DataFrame<Event>>()
  })

  it('select, withColumn, drop and rename yield the new row types', () => {
    const session = newSession()
    const df = session.createDataFrame<Event>([], events)

    const picked = df.select(
      'user',
      'geo.city',
      df.col('ms').alias('millis'),
      F.upper(col('user')).alias('shout'),
    )
    expectTypeOf(picked).toEqualTypeOf<
      DataFrame<{ user: string; city: string; millis: number; shout: string }>
    >()
    expect(picked.columns).toEqual(['user', 'city', 'millis', 'shout'])

    const withSeconds = df.withColumn('seconds', col('ms').divide(1000))
    expectTypeOf(withSeconds).toEqualTypeOf<
      DataFrame<{
        ts: Date
        user: string
        ms: number
        ok: boolean
        tags: string[]
        geo: { lat: number; city: string }
        email: string | null
        seconds: number
      }>
    >()
    // An untyped col() keeps its name; its type is unknown until a typed column or alias says more.
    expectTypeOf(df.select(col('ms'))).toEqualTypeOf<DataFrame<{ ms: number }>>()

    const dropped = df.drop('tags', 'geo', 'email')
    expectTypeOf(dropped).toEqualTypeOf<DataFrame<{ ts: Date; user: string; ms: number; ok: boolean }>>()

    const renamed = df.select('user', 'ms').withColumnRenamed('ms', 'millis')
    expectTypeOf(renamed).toEqualTypeOf<DataFrame<{ user: string; millis: number }>>()

    const typedCol = df.col('geo.lat')
    expectTypeOf(typedCol.__type).toEqualTypeOf<number | undefined>()
  })

  it('map and where take typed row functions', () => {
    const session = newSession()
    const df = session.createDataFrame<Event>([], events)
    const mapped = df
      .where((r) => r.ok && r.ms > 1)
      .map((r) => ({ who: r.user, n: r.tags.length }), schema({ who: 'string', n: 'int' }))
    expectTypeOf(mapped).toEqualTypeOf<DataFrame<{ who: string; n: number }>>()
  })

  it('groupBy and agg type their result columns', () => {
    const session = newSession()
    const df = session.createDataFrame<Event>([], events)
    const agg = df.groupBy('user').agg(count().alias('n'), F.max(df.col('ms')).alias('longest'))
    expectTypeOf(agg).toEqualTypeOf<DataFrame<{ user: string; n: number; longest: number }>>()
    const counted = df.groupBy('user').count()
    expectTypeOf(counted).toEqualTypeOf<DataFrame<{ user: string; count: number }>>()
  })

  it('unknown column names do not compile, and fail at run time with the columns that exist', () => {
    const session = newSession()
    const df = session.createDataFrame<Event>([], events)
    // @ts-expect-error 'usr' is not a column of Event
    expect(() => df.select('usr')).toThrow(/column 'usr' does not exist. Did you mean 'user'\?/)
    // @ts-expect-error 'geo.town' is not a field of geo
    expect(() => df.select('geo.town')).toThrow(/'geo.town' does not exist/)
    // @ts-expect-error drop only takes existing column names
    df.drop('nope')
    // @ts-expect-error withColumnRenamed only renames existing columns
    df.withColumnRenamed('nope', 'x')
    // @ts-expect-error df.col checks the name
    expect(() => df.col('mss')).toThrow(/Did you mean 'ms'\?/)
    // @ts-expect-error a map function must return the declared row type
    df.map((r) => ({ who: r.ms }), schema({ who: 'string' }))
    // @ts-expect-error where takes a boolean column or a row predicate
    expect(() => df.where(lit(3))).toThrow(/the filter condition 3 is int, not boolean/)
    expect(() => df.groupBy('user').agg(count())).not.toThrow()
  })
})
