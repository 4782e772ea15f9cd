import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ReceiveBuffer } from '../../src/sources/receive-buffer.js'

describe('ReceiveBuffer (offsets of the socket and Observable sources)', () => {
  it('numbers items from the first offset it is asked about, and serves (start, end]', () => {
    const b = new ReceiveBuffer<string>()
    b.push('a')
    b.push('b')
    // A query resumed at offset 10: this run's items are 11 and 12.
    expect(b.latest(10)).toBe(12)
    expect(b.range(10, 11)).toEqual(['a'])
    expect(b.range(10, 12)).toEqual(['a', 'b'])
    b.push('c')
    expect(b.latest(12)).toBe(13)
    expect(b.range(12, 13)).toEqual(['c'])
  })

  it('drops committed items and refuses to serve them again', () => {
    const b = new ReceiveBuffer<number>()
    for (const n of [1, 2, 3, 4]) b.push(n)
    expect(b.latest(0)).toBe(4)
    b.commit(3)
    expect(b.bufferedCount).toBe(1)
    expect(b.receivedCount).toBe(4)
    expect(b.range(3, 4)).toEqual([4])
    expect(() => b.range(2, 4)).toThrow(/offsets \(2, 4\] are not buffered: this run holds offsets \(3, 4\]/)
    b.commit(2)
    expect(b.bufferedCount).toBe(1)
  })

  it('caps offsets at what was received when availableNow began', () => {
    const b = new ReceiveBuffer<number>()
    b.push(1)
    b.capAtReceived()
    b.push(2)
    expect(b.latest(0)).toBe(1)
    expect(b.latest(1)).toBe(1)
  })

  it('serves a batch replayed from an earlier run as empty, counts it lost, and numbers on after it', () => {
    const b = new ReceiveBuffer<string>()
    b.push('new')
    expect(b.range(5, 8)).toEqual([])
    expect(b.lost).toBe(3)
    expect(b.latest(8)).toBe(9)
    expect(b.range(8, 9)).toEqual(['new'])
  })

  it('bounded: counts bytes of what is buffered, is full at a limit, and calls onSpace when a commit frees room', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ commit: fc.integer({ min: 0, max: 10 }) }),
    )
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 200 }),
        (ops, maxRows, maxBytes) => {
          const buffer = new ReceiveBuffer<number>({ maxRows, maxBytes })
          const sizes: number[] = []
          let committed = 0
          let spaceCalls = 0
          buffer.latest(0)
          for (const o of ops) {
            if ('push' in o) {
              buffer.push(sizes.length, o.push)
              sizes.push(o.push)
              if (buffer.isFull) buffer.onSpace(() => spaceCalls++)
            } else {
              const wasFull = buffer.isFull
              const before = spaceCalls
              committed = Math.min(sizes.length, committed + o.commit)
              buffer.commit(committed)
              // A listener waits only while full; a commit that ends fullness calls it.
              if (wasFull && !buffer.isFull && o.commit > 0) expect(spaceCalls).toBeGreaterThan(before)
            }
            const held = sizes.slice(committed)
            expect(buffer.bufferedCount).toBe(held.length)
            expect(buffer.bufferedBytes).toBe(held.reduce((a, b) => a + b, 0))
            expect(buffer.isFull).toBe(held.length >= maxRows || buffer.bufferedBytes >= maxBytes)
          }
        },
      ),
    )
  })
})
