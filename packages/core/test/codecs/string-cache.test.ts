import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StringCache } from '../../src/formats/codecs/string-cache.js'

describe('StringCache', () => {
  it('always gives the text of the range, whatever was cached before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('DE', 'FR', 'US', 'GB', 'ED', 'D', 'DEE', ''), { maxLength: 200 }),
        (words) => {
          const cache = new StringCache()
          const text = words.join(',')
          let a = 0
          for (const w of words) {
            expect(cache.get(text, a, a + w.length)).toBe(w)
            a += w.length + 1
          }
        },
      ),
    )
  })

  it('hands out one string per value for a low-cardinality column', () => {
    const cache = new StringCache()
    const text = 'Mozilla/5.0 (X11),Mozilla/5.0 (X11)'
    const first = cache.get(text, 0, 17)
    const second = cache.get(text, 18, 35)
    expect(second).toBe('Mozilla/5.0 (X11)')
    // The same string object: no copy made for the second row.
    expect(Object.is(first, second)).toBe(true)
  })
})
