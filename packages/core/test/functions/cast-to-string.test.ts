/**
 * Casts to and from strings as Spark makes them: doubles printed as Java prints them
 * (`1.0`, `1.0E7`), and timestamps read and written in the session's time zone.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { doubleToString, floatToString } from '../../src/expr/cast.js'
import { col, functions as F, lit } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { frame, values } from './eval.js'

const TZ = 'tributary.sql.session.timeZone'

const doubles = (xs: (number | null)[]) =>
  frame(
    newSession(),
    { x: { type: 'double', nullable: true } },
    xs.map((x) => ({ x })),
  )

describe('numbers to strings', () => {
  it("concat('a', x) of a double column gives a1.0, as Spark does", async () => {
    expect(await values(doubles([1, 2.5, null]), F.concat(lit('a'), col('x')))).toEqual([
      'a1.0',
      'a2.5',
      null,
    ])
  })

  it("cast(double AS string) follows Java's Double.toString", async () => {
    const df = doubles([1, 0.1, 123.456, 1e7, 12345678.9, 1e-4, 0.001, -0, Number.NaN, -Infinity, 1e21])
    expect(await values(df, col('x').cast('string'))).toEqual([
      '1.0',
      '0.1',
      '123.456',
      '1.0E7',
      '1.23456789E7',
      '1.0E-4',
      '0.001',
      '-0.0',
      'NaN',
      '-Infinity',
      '1.0E21',
    ])
  })

  it('ints and longs stay plain', async () => {
    const df = frame(newSession(), { n: { type: 'long', nullable: true } }, [{ n: 10_000_000 }, { n: -3 }])
    expect(await values(df, col('n').cast('string'))).toEqual(['10000000', '-3'])
  })

  it('floats print the shortest digits of the 32-bit value', () => {
    expect(floatToString(Math.fround(0.1))).toBe('0.1')
    expect(floatToString(Math.fround(1 / 3))).toBe('0.33333334')
    expect(floatToString(Math.fround(3e10))).toBe('3.0E10')
  })

  it('every finite double reads back from its string (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = doubleToString(x)
        expect(Object.is(Number(s.replace('E', 'e')), x)).toBe(true)
        expect(s).toMatch(/^-?\d+\.\d+(E-?\d+)?$/)
      }),
    )
  })
})

describe('timestamps and strings in the session time zone', () => {
  const at = (tz: string, iso: string) =>
    frame(newSession({ [TZ]: tz }), { t: { type: 'timestamp', nullable: true } }, [{ t: new Date(iso) }])
  const text = (tz: string, s: string) =>
    frame(newSession({ [TZ]: tz }), { s: { type: 'string', nullable: true } }, [{ s }])

  it('cast(timestamp AS string) writes the wall-clock time of the session zone', async () => {
    expect(await values(at('America/New_York', '2024-01-01T10:00:00Z'), col('t').cast('string'))).toEqual([
      '2024-01-01 05:00:00',
    ])
    expect(await values(at('UTC', '2024-01-01T10:00:00.250Z'), col('t').cast('string'))).toEqual([
      '2024-01-01 10:00:00.25',
    ])
    expect(await values(at('+05:30', '2024-01-01T10:00:00Z'), F.concat(lit('at '), col('t')))).toEqual([
      'at 2024-01-01 15:30:00',
    ])
  })

  it('cast(string AS timestamp) reads a zone-less time in the session zone, and honours a given zone', async () => {
    const [local] = await values(text('America/New_York', '2024-07-01 12:00:00'), col('s').cast('timestamp'))
    expect((local as Date).toISOString()).toBe('2024-07-01T16:00:00.000Z')
    const [zoned] = await values(text('America/New_York', '2024-07-01T12:00:00Z'), col('s').cast('timestamp'))
    expect((zoned as Date).toISOString()).toBe('2024-07-01T12:00:00.000Z')
    expect(await values(text('UTC', '2024-02-30 00:00:00'), col('s').cast('timestamp'))).toEqual([null])
  })

  it('cast(timestamp AS date) takes the date in the session zone', async () => {
    const [d] = await values(at('America/Los_Angeles', '2024-01-02T03:00:00Z'), col('t').cast('date'))
    expect((d as Date).toISOString().slice(0, 10)).toBe('2024-01-01')
  })
})
