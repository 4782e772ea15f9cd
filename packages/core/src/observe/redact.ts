/**
 * Secrets never reach a log line, a metric label or the dashboard: credentials in URLs
 * (`scheme://user:password@host`) and `password=`/`token=`-style pairs are masked in any
 * text that leaves the process through these channels.
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*):([^/\s@]*)@/gi
const SECRET_PAIRS =
  /\b(password|passwd|pwd|pass|secret|token|api[_-]?key|access[_-]?key|auth|authorization|sasl[_-]?password)(["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi

export const REDACTED = '***'

/** The text with credentials in URLs and secret-looking `key=value` pairs masked. */
export function redact(text: string): string {
  return text
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_PAIRS, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`)
}

/** A copy of fields with every string (at any depth) redacted. */
export function redactFields<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map(redactFields) as T
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = redactFields(v)
    return out as T
  }
  return value
}
