/**
 * Options as Spark takes them: string values, keys matched without regard to case. A
 * provider that lists its known options gets unknown ones refused with near matches.
 */

import { parseDuration } from './duration.js'
import { OptionError } from './errors.js'
import { nearMatches } from './near-matches.js'
import { redactOptions, showOnly } from './redact.js'

export type OptionValue = string | number | boolean
export type OptionsInput = Readonly<Record<string, OptionValue | undefined>>

export class Options {
  private readonly map = new Map<string, { key: string; value: string }>()

  constructor(
    input: OptionsInput = {},
    readonly owner = 'option',
  ) {
    for (const [k, v] of Object.entries(input)) {
      if (v !== undefined) this.map.set(k.toLowerCase(), { key: k, value: String(v) })
    }
  }

  with(key: string, value: OptionValue): Options {
    return new Options({ ...this.toRecord(), [key]: value }, this.owner)
  }

  has(key: string): boolean {
    return this.map.has(key.toLowerCase())
  }

  get(key: string): string | undefined {
    return this.map.get(key.toLowerCase())?.value
  }

  getString(key: string, fallback: string): string {
    return this.get(key) ?? fallback
  }

  require(key: string, hint = ''): string {
    const v = this.get(key)
    if (v === undefined || v === '') {
      throw new OptionError(
        `${this.owner}: option '${key}' is required.${hint ? ` ${hint}` : ''}`,
        'MISSING_OPTION',
      )
    }
    return v
  }

  getNumber(key: string, fallback: number): number
  getNumber(key: string, fallback?: number): number | undefined
  getNumber(key: string, fallback?: number): number | undefined {
    const v = this.get(key)
    if (v === undefined) return fallback
    const n = Number(v)
    if (v.trim() === '' || !Number.isFinite(n)) {
      throw new OptionError(`${this.owner}: option '${key}' must be a number, got '${v}'.`, 'INVALID_OPTION')
    }
    return n
  }

  getPositiveInt(key: string, fallback?: number): number | undefined {
    const n = this.getNumber(key, fallback)
    if (n !== undefined && (!Number.isInteger(n) || n <= 0)) {
      throw new OptionError(
        `${this.owner}: option '${key}' must be a positive integer, got '${this.get(key)}'.`,
        'INVALID_OPTION',
      )
    }
    return n
  }

  getBoolean(key: string, fallback: boolean): boolean {
    const v = this.get(key)
    if (v === undefined) return fallback
    const t = v.trim().toLowerCase()
    if (t === 'true') return true
    if (t === 'false') return false
    throw new OptionError(
      `${this.owner}: option '${key}' must be true or false, got '${v}'.`,
      'INVALID_OPTION',
    )
  }

  /** A duration in milliseconds: '10 seconds', '500 ms', 'PT1M', or a number of milliseconds. */
  getDurationMs(key: string, fallback?: number): number | undefined {
    const v = this.get(key)
    if (v === undefined) return fallback
    try {
      return parseDuration(v)
    } catch (e) {
      throw new OptionError(`${this.owner}: option '${key}': ${(e as Error).message}`, 'INVALID_OPTION')
    }
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.get(key)
    if (v === undefined) return fallback
    const hit = allowed.find((a) => a.toLowerCase() === v.toLowerCase())
    if (!hit) {
      throw new OptionError(
        `${this.owner}: option '${key}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${v}'.`,
        'INVALID_OPTION',
      )
    }
    return hit
  }

  /** Refuses options the provider does not know, naming the near matches. */
  checkKnown(known: readonly string[]): void {
    const lower = new Set(known.map((k) => k.toLowerCase()))
    for (const { key } of this.map.values()) {
      if (lower.has(key.toLowerCase())) continue
      const near = nearMatches(key, known)
      throw new OptionError(
        `${this.owner}: unknown option '${key}'.${near.length ? ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} Known options: ${known.join(', ')}.`,
        'UNKNOWN_OPTION',
      )
    }
  }

  toRecord(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const { key, value } of this.map.values()) out[key] = value
    return out
  }
}

// Options hold passwords (connectors take them as options): printed, they show *** instead.
showOnly(Options, (o) => ({ owner: o.owner, options: redactOptions(o.toRecord()) }))
