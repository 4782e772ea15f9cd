/**
 * Redis stream entry ids, `<milliseconds>-<sequence>`. Both parts are 64-bit unsigned, so
 * they are compared as decimal strings (by length, then by text) rather than as numbers,
 * which would round above 2^53.
 */

export const ZERO_ID = '0-0'

const ID = /^\d+(-\d+)?$/

/** `1700000000000-0`, or only the milliseconds (`1700000000000`, meaning sequence 0). */
export function isStreamId(text: string): boolean {
  return ID.test(text)
}

function compareDecimal(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '')
  const y = b.replace(/^0+(?=\d)/, '')
  if (x.length !== y.length) return x.length - y.length
  return x < y ? -1 : x > y ? 1 : 0
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-')
  const [bm, bs = '0'] = b.split('-')
  return compareDecimal(am, bm) || compareDecimal(as, bs)
}

export const maxId = (a: string, b: string): string => (compareIds(a, b) >= 0 ? a : b)

/** The entry's time: the milliseconds part of its id. */
export function idMillis(id: string): number {
  const dash = id.indexOf('-')
  return Number(dash < 0 ? id : id.slice(0, dash))
}

/** A full id: a bare millisecond count gets sequence 0. */
export const fullId = (id: string): string => (id.includes('-') ? id : `${id}-0`)
