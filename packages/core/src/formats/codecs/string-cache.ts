/**
 * Strings of low-cardinality columns (countries, user agents, status words) read from text
 * files: one string per distinct value instead of one per row, which is most of the garbage
 * a scanner makes. A small table keyed by a cheap hash (length and three characters) holds
 * the last string seen in each slot; a hit is confirmed by comparing the text in place. A
 * column that misses more than half the time (ids, names, URLs) stops looking after a few
 * thousand values and slices as before.
 */
const SLOTS = 256
const WINDOW = 4096

export class StringCache {
  private readonly table = new Array<string | undefined>(SLOTS)
  private lookups = 0
  private misses = 0
  private enabled = true

  /** text[a, b), the same string as the last time these characters were read where possible. */
  get(text: string, a: number, b: number): string {
    if (!this.enabled) return text.slice(a, b)
    const len = b - a
    if (len === 0) return ''
    const h =
      (len * 31 +
        text.charCodeAt(a) * 7 +
        text.charCodeAt(a + (len >> 1)) * 131 +
        text.charCodeAt(b - 1) * 17) &
      (SLOTS - 1)
    const hit = this.table[h]
    if (++this.lookups === WINDOW) {
      if (this.misses * 2 > WINDOW) this.enabled = false
      this.lookups = 0
      this.misses = 0
    }
    if (hit !== undefined && hit.length === len && text.startsWith(hit, a)) return hit
    this.misses++
    const s = text.slice(a, b)
    this.table[h] = s
    return s
  }
}
