/** session.conf: string settings, Spark's `spark.*` keys spelled `tributary.*`. */
export const defaultConf: Readonly<Record<string, string>> = {
  'tributary.sql.shuffle.partitions': '4',
  'tributary.sql.session.timeZone': 'UTC',
  'tributary.sql.streaming.minBatchesToRetain': '100',
  'tributary.sql.streaming.pollingDelay': '10',
  'tributary.sql.streaming.numRecentProgressUpdates': '100',
}

export class RuntimeConfig {
  private readonly values = new Map<string, string>()

  constructor(initial: Readonly<Record<string, string>> = {}) {
    for (const [k, v] of Object.entries({ ...defaultConf, ...initial })) this.values.set(k, v)
  }

  get(key: string): string | undefined
  get(key: string, fallback: string): string
  get(key: string, fallback?: string): string | undefined {
    return this.values.get(key) ?? fallback
  }

  set(key: string, value: string | number | boolean): void {
    this.values.set(key, String(value))
  }

  unset(key: string): void {
    this.values.delete(key)
  }

  getAll(): Record<string, string> {
    return Object.fromEntries(this.values)
  }
}
