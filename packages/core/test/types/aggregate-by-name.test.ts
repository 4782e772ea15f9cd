/**
 * F.max/min/first/last/collect_list/collect_set by column name are typed from the column,
 * as select() types a name (issue #17): `tsc` checks the expectTypeOf lines in `npm test`,
 * and the run checks that the values and names at run time are the ones the types claim.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { col, functions as F, nullable, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const readings = schema({
  ts: 'timestamp',
  sensor: 'string',
  speed: 'double',
  note: nullable('string'),
  pos: { struct: { lane: 'int' } },
})

describe('aggregates by column name', () => {
  it('are typed from the column and named as Spark names them', async () => {
    const session = newSession()
    const df = session.createDataFrame(
      [
        { ts: new Date(1000), sensor: 'a', speed: 3, note: null, pos: { lane: 1 } },
        { ts: new Date(2000), sensor: 'a', speed: 7, note: 'x', pos: { lane: 2 } },
        { ts: new Date(3000), sensor: 'b', speed: 5, note: null, pos: { lane: 1 } },
      ],
      readings,
    )
    const agg = df
      .groupBy('sensor')
      .agg(
        F.max('speed'),
        F.min('ts').alias('firstSeen'),
        F.first('note'),
        F.last('note', true).alias('lastNote'),
        F.collect_list('speed').alias('speeds'),
        F.collect_set('pos.lane').alias('lanes'),
        F.avg('speed').alias('avg'),
      )
      .orderBy('sensor')
    type Row = Awaited<ReturnType<typeof agg.collect>>[number]
    expectTypeOf<Row>().toEqualTypeOf<{
      sensor: string
      'max(speed)': number
      firstSeen: Date
      'first(note)': string | null
      lastNote: string | null
      speeds: number[]
      lanes: number[]
      avg: number
    }>()
    const rows = await agg.collect()
    expect(rows.map((r) => ({ ...r, speeds: [...r.speeds], lanes: [...r.lanes].sort() }))).toEqual([
      {
        sensor: 'a',
        'max(speed)': 7,
        firstSeen: new Date(1000),
        'first(note)': null,
        lastNote: 'x',
        speeds: [3, 7],
        lanes: [1, 2],
        avg: 5,
      },
      {
        sensor: 'b',
        'max(speed)': 5,
        firstSeen: new Date(3000),
        'first(note)': null,
        lastNote: null,
        speeds: [5],
        lanes: [1],
        avg: 5,
      },
    ])
  })

  it('keeps explicit typed columns and select() working', async () => {
    const session = newSession()
    const df = session.createDataFrame(
      [{ ts: new Date(0), sensor: 'a', speed: 1, note: null, pos: { lane: 1 } }],
      readings,
    )
    const top = df.agg(F.max(col('speed').cast('double')).alias('top'), F.max('sensor'))
    expectTypeOf(await top.collect()).toEqualTypeOf<{ top: number; 'max(sensor)': string }[]>()
    expect(await top.collect()).toEqual([{ top: 1, 'max(sensor)': 'a' }])
  })
})
