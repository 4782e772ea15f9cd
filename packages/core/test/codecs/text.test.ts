import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { textFormat } from '../../src/formats/codecs/text.js'
import { schema } from '../../src/types/schema.js'
import { AnalysisError, MalformedRecordError } from '../../src/util/errors.js'
import { fileWith, freshPath, options, readRows, rejection, roundTrip } from './codec-helpers.js'

const value = schema({ value: 'string' })

describe('text', () => {
  it('infers a single string column named value', () => {
    expect(textFormat.inferSchema([fileWith('x')], options()).simpleString()).toBe('struct<value:string>')
  })

  it('reads one row per line, empty lines included, the last terminator ending the last line', async () => {
    const { rows } = await readRows(textFormat, fileWith('first\r\n\nthird\rfourth\n'), value)
    expect(rows.map((r) => r.value)).toEqual(['first', '', 'third', 'fourth'])
  })

  it('gives no rows for an empty file, and one empty row for a lone line break', async () => {
    expect((await readRows(textFormat, fileWith(''), value)).rows).toEqual([])
    expect((await readRows(textFormat, fileWith('\n'), value)).rows).toEqual([{ value: '' }])
  })

  it('reads the whole file as one row with wholetext', async () => {
    const { rows } = await readRows(textFormat, fileWith('a\nb\r\nc'), value, { wholetext: true })
    expect(rows).toEqual([{ value: 'a\nb\r\nc' }])
  })

  it('splits on a custom lineSep', async () => {
    const { rows } = await readRows(textFormat, fileWith('a\nb||c||'), value, { lineSep: '||' })
    expect(rows.map((r) => r.value)).toEqual(['a\nb', 'c'])
  })

  it('accepts one string column of any name, as Spark does, and refuses anything else', async () => {
    const named = await readRows(textFormat, fileWith('x\n'), schema({ line: 'string' }))
    expect(named.rows).toEqual([{ line: 'x' }])
    const two = await rejection(readRows(textFormat, fileWith('x'), schema({ a: 'string', b: 'string' })))
    expect(two).toBeInstanceOf(AnalysisError)
    expect(two.message).toContain('only a single column')
    const int = await rejection(readRows(textFormat, fileWith('x'), schema({ value: 'int' })))
    expect(int.message).toContain("column 'value' is int")
  })

  it('treats a line with bytes that are not UTF-8 as malformed under each mode', async () => {
    const file = fileWith(
      Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xe2, 0x82]), Buffer.from('\nlast\n')]),
    )
    const permissive = await readRows(textFormat, file, value)
    expect(permissive.rows.map((r) => r.value)).toEqual(['ok', 'bad \uFFFD', 'last'])
    const dropped = await readRows(textFormat, file, value, { mode: 'DROPMALFORMED' })
    expect(dropped.rows.map((r) => r.value)).toEqual(['ok', 'last'])
    expect(dropped.dropped).toBe(1)
    const e = await rejection(readRows(textFormat, file, value, { mode: 'FAILFAST' }))
    expect(e).toBeInstanceOf(MalformedRecordError)
    expect(e.message).toContain(`${file}, line 2`)
    const whole = await rejection(readRows(textFormat, file, value, { mode: 'FAILFAST', wholetext: true }))
    expect(whole.message).toContain(`${file}, line 1`)
  })

  it('round-trips strings, writing a null as an empty line like Spark', async () => {
    const rows = [{ value: 'a' }, { value: null }, { value: 'ü ✓' }, { value: '' }]
    const back = await roundTrip(textFormat, value, rows)
    expect(readFileSync(back.file, 'utf8')).toBe('a\n\nü ✓\n\n')
    expect(back.rows).toEqual([{ value: 'a' }, { value: '' }, { value: 'ü ✓' }, { value: '' }])
  })

  it('writes with a custom lineSep', async () => {
    const file = freshPath('out.txt')
    await textFormat.write(
      ColumnarBatch.fromRows(value, [{ value: 'a' }, { value: 'b' }]),
      file,
      options({ lineSep: '\r\n' }),
    )
    expect(readFileSync(file, 'utf8')).toBe('a\r\nb\r\n')
  })

  it('refuses to write anything but one string column', async () => {
    const s = schema({ a: 'string', n: 'int' })
    const e = await rejection(
      textFormat.write(ColumnarBatch.fromRows(s, [{ a: 'x', n: 1 }]), freshPath('x.txt'), options()),
    )
    expect(e).toBeInstanceOf(AnalysisError)
    expect(e.message).toContain('only a single column')
    expect(e.message).toContain('a, n')
  })
})
