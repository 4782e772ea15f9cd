import { OptionError } from '../util/errors.js'

/** session.conf: string settings, Spark's `spark.*` keys spelled `tributary.*`. */
export const defaultConf: Readonly<Record<string, string>> = {
  'tributary.sql.shuffle.partitions': '4',
  'tributary.sql.session.timeZone': 'UTC',
  'tributary.sql.streaming.minBatchesToRetain': '100',
  'tributary.sql.streaming.pollingDelay': '10',
  'tributary.sql.streaming.numRecentProgressUpdates': '100',
}

/** Settings with a fixed set of values, refused when set to anything else (as Spark's conf.set does). */
const allowedValues: Readonly<Record<string, readonly string[]>> = {
  'tributary.streaming.multipleWatermarkPolicy': ['min', 'max'],
  'tributary.sql.streaming.noDataMicroBatches.enabled': ['true', 'false'],
  'tributary.checkpoint.fsync': ['true', 'false'],
}

/** Refuses a value a setting cannot take, naming the values it can. */
export function checkSetting(key: string, value: string): void {
  const allowed = allowedValues[key]
  if (!allowed || allowed.includes(value.trim().toLowerCase())) return
  throw new OptionError(
    `INVALID_OPTION: ${key} cannot be '${value}'. Valid values are ${allowed.map((v) => `'${v}'`).join(' and ')}.`,
    'INVALID_OPTION',
  )
}

export class RuntimeConfig {
  private readonly values = new Map<string, string>()

  constructor(initial: Readonly<Record<string, string>> = {}) {
    for (const [k, v] of Object.entries({ ...defaultConf, ...initial })) {
      checkSetting(k, v)
      this.values.set(k, v)
    }
  }

  get(key: string): string | undefined
  get(key: string, fallback: string): string
  get(key: string, fallback?: string): string | undefined {
    return this.values.get(key) ?? fallback
  }

  set(key: string, value: string | number | boolean): void {
    checkSetting(key, String(value))
    this.values.set(key, String(value))
  }

  unset(key: string): void {
    this.values.delete(key)
  }

  getAll(): Record<string, string> {
    return Object.fromEntries(this.values)
  }
}
