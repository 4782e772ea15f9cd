/**
 * The state partition of each row's key without building the key's text: FNV-1a (as
 * partitionOf) run over the characters the text `[v1,v2,...]` would have, for the values
 * whose text is plain — integers (digits), strings with no character JSON escapes, null,
 * booleans. Any other value (a fraction, NaN, a nested value, a string to escape) takes the
 * operator's own key text for that row. Equal to partitionOf(keyText(row), partitions) for
 * every row (property-tested): the shuffle sends a key where its state lives.
 */
import type { Vector } from '../batch/vector.js'
import { partitionOf } from '../state/state-manager.js'

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
const digits = new Uint8Array(24)

/** FNV-1a over `text`, continuing from h. */
function hashText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME)
  return h
}

/** h continued over the value's text, or NaN when the row needs its full key text. */
function hashValue(h: number, v: Vector, row: number): number {
  if (v.kind !== 'object' && v.validity !== null && v.validity[row] === 0) return hashText(h, 'null')
  if (v.kind === 'bool') return hashText(h, v.values[row] === 1 ? 'true' : 'false')
  if (v.kind === 'number') {
    let x = v.values[row]
    if (!Number.isSafeInteger(x)) return Number.NaN
    if (x === 0) return Math.imul(h ^ 48, FNV_PRIME)
    if (x < 0) {
      h = Math.imul(h ^ 45, FNV_PRIME)
      x = -x
    }
    let n = 0
    while (x > 0) {
      const q = Math.floor(x / 10)
      digits[n++] = 48 + (x - q * 10)
      x = q
    }
    while (n > 0) h = Math.imul(h ^ digits[--n], FNV_PRIME)
    return h
  }
  const x = v.values[row]
  if (x == null) return hashText(h, 'null')
  if (typeof x !== 'string') return Number.NaN
  h = Math.imul(h ^ 34, FNV_PRIME)
  for (let i = 0; i < x.length; i++) {
    const c = x.charCodeAt(i)
    // JSON escapes controls, quote and backslash; lone surrogates too (a pair is rare: take the slow way).
    if (c < 0x20 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return Number.NaN
    h = Math.imul(h ^ c, FNV_PRIME)
  }
  return Math.imul(h ^ 34, FNV_PRIME)
}

/**
 * partitionOf(keyText(row), partitions) for every row, where the key text of plain values
 * is `[` + their texts joined by `,` + `]` and keyText gives the text of any row.
 */
export function keyPartitions(
  keys: readonly Vector[],
  numRows: number,
  partitions: number,
  keyText: (row: number) => string,
): Int32Array {
  const out = new Int32Array(numRows)
  for (let row = 0; row < numRows; row++) {
    let h = Math.imul(FNV_OFFSET ^ 91, FNV_PRIME)
    for (let c = 0; c < keys.length && !Number.isNaN(h); c++) {
      if (c > 0) h = Math.imul(h ^ 44, FNV_PRIME)
      h = hashValue(h, keys[c], row)
    }
    out[row] = Number.isNaN(h)
      ? partitionOf(keyText(row), partitions)
      : (Math.imul(h ^ 93, FNV_PRIME) >>> 0) % partitions
  }
  return out
}
