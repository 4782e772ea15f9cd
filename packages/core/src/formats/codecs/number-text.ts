/**
 * Numbers as Spark's text formats print them: a double always shows a fraction (`1.0`, so
 * that inference reads it back as a double), a float its shortest float32 digits.
 */

function withFraction(text: string): string {
  return /^-?\d+$/.test(text) ? `${text}.0` : text
}

export function doubleToText(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  // String(-0) is "0"; Java keeps the sign.
  if (Object.is(x, -0)) return '-0.0'
  return withFraction(String(x))
}

/** The shortest decimal that reads back as the same float32, as Java prints a float. */
export function floatToText(x: number): string {
  if (!Number.isFinite(x) || x === 0) return doubleToText(x)
  const target = Math.fround(x)
  for (let digits = 1; digits < 10; digits++) {
    const text = String(Number(target.toPrecision(digits)))
    if (Math.fround(Number(text)) === target) return withFraction(text)
  }
  return withFraction(String(target))
}
