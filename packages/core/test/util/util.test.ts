import { describe, expect, it } from 'vitest'
import { Options, parseDuration } from '../../src/index.js'
import { editDistance, nearMatches } from '../../src/util/near-matches.js'

describe('parseDuration', () => {
  it.each([
    ['10 seconds', 10_000],
    ['1 minute', 60_000],
    ['500 ms', 500],
    ['1 hour 30 minutes', 5_400_000],
    ['2h', 7_200_000],
    ['interval 3 days', 259_200_000],
    ['PT10S', 10_000],
    ['PT1M30S', 90_000],
    ['P1DT2H', 93_600_000],
    ['250', 250],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['ten seconds', '10 fortnights', '', 'PT', '5 seconds later'])(
    'refuses %j with an example of what works',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/Write it like '10 seconds'/)
    },
  )
})

describe('near matches', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('nmae', 'name')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('suggests only the nearest likely typos', () => {
    expect(nearMatches('usr', ['user', 'ms', 'email'])).toEqual(['user'])
    expect(nearMatches('AMOUNT', ['amount', 'count'])).toEqual(['amount'])
    expect(nearMatches('zzz', ['user', 'ms'])).toEqual([])
  })
})

describe('Options', () => {
  it('reads keys without regard to case and converts values', () => {
    const o = new Options({ maxFilesPerTrigger: '5', Header: true, trigger: '2 seconds' })
    expect(o.getNumber('maxfilespertrigger', 0)).toBe(5)
    expect(o.getBoolean('header', false)).toBe(true)
    expect(o.getDurationMs('TRIGGER')).toBe(2000)
  })

  it('names the option and the value it cannot use', () => {
    const o = new Options({ maxFilesPerTrigger: 'many', header: 'yes', mode: 'LOOSE' }, "source 'csv'")
    expect(() => o.getNumber('maxFilesPerTrigger')).toThrow(
      "source 'csv': option 'maxFilesPerTrigger' must be a number, got 'many'.",
    )
    expect(() => o.getBoolean('header', false)).toThrow(/must be true or false, got 'yes'/)
    expect(() => o.oneOf('mode', ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'], 'PERMISSIVE')).toThrow(
      /must be one of 'PERMISSIVE', 'DROPMALFORMED', 'FAILFAST', got 'LOOSE'/,
    )
    expect(() => new Options({}, 'sink').require('path', 'Give the output folder.')).toThrow(
      "sink: option 'path' is required. Give the output folder.",
    )
  })

  it('refuses unknown options with near matches', () => {
    expect(() =>
      new Options({ maxFilePerTrigger: 1 }).checkKnown(['maxFilesPerTrigger', 'latestFirst']),
    ).toThrow(/unknown option 'maxFilePerTrigger'. Did you mean 'maxFilesPerTrigger'\?/)
  })
})
