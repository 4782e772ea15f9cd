/**
 * The state id of a `groupByKey` key: any JavaScript value the key function returns.
 *
 * It is JSON's text wherever JSON tells values apart (strings, finite numbers, booleans,
 * null, arrays and plain objects of them, Dates as ISO strings), so that state stored under
 * JSON ids keeps its keys. Where JSON gives different keys one text, this gives each its own:
 * NaN, Infinity and -Infinity (JSON: `null`) are the bare words `NaN`, `Infinity` and
 * `-Infinity`, and undefined is `undefined` — text JSON never writes, so no string key can
 * have it. BigInts are `12n`; Maps and Sets (JSON: `{}`) list their entries. -0 is 0, one key
 * as in Spark's grouping.
 */
export function groupKeyText(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key)
    case 'number':
      if (key - key === 0) return `${key}`
      return Number.isNaN(key) ? 'NaN' : key > 0 ? 'Infinity' : '-Infinity'
    case 'boolean':
      return key ? 'true' : 'false'
    case 'undefined':
      return 'undefined'
    case 'bigint':
      return `${key}n`
    case 'object':
      return objectText(key)
    default:
      // Functions and symbols: JSON drops them; each is its own key by its text.
      return String(key)
  }
}

function objectText(o: object | null): string {
  if (o === null) return 'null'
  if (Array.isArray(o)) return `[${o.map(groupKeyText).join(',')}]`
  if (o instanceof Date) return Number.isNaN(o.getTime()) ? 'InvalidDate' : JSON.stringify(o)
  if (o instanceof Map)
    return `Map{${[...o].map(([k, v]) => `${groupKeyText(k)}:${groupKeyText(v)}`).join(',')}}`
  if (o instanceof Set) return `Set[${[...o].map(groupKeyText).join(',')}]`
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(o)
  let s = '{'
  let first = true
  for (const [k, v] of Object.entries(o)) {
    // As JSON: properties whose value has no text are left out.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    s += `${first ? '' : ','}${JSON.stringify(k)}:${groupKeyText(v)}`
    first = false
  }
  return `${s}}`
}
