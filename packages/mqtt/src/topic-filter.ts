/**
 * MQTT topic filters and names, checked before they reach the broker so that the error names
 * the filter and the rule (a broker answers a bad filter with a bare reason code).
 */
import { OptionError } from '@tributary/core'

/** Splits a comma-separated list of topic filters and checks each one. */
export function parseTopicFilters(owner: string, key: string, text: string): string[] {
  const filters = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
  if (filters.length === 0) {
    throw new OptionError(
      `${owner}: option '${key}' names no topic filter. Give one or more, comma-separated, e.g. 'sensors/+/temperature,alerts/#'.`,
      'INVALID_OPTION',
    )
  }
  for (const f of filters) checkTopicFilter(owner, key, f)
  return [...new Set(filters)]
}

export function checkTopicFilter(owner: string, key: string, filter: string): void {
  const levels = filter.split('/')
  levels.forEach((level, i) => {
    const bad = (rule: string) =>
      new OptionError(
        `${owner}: option '${key}': topic filter '${filter}' is not valid: ${rule}.`,
        'INVALID_OPTION',
      )
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw bad("'#' must be a whole level and the last one, as in 'sensors/#'")
    }
    if (level.includes('+') && level !== '+') throw bad("'+' must be a whole level, as in 'sensors/+/temp'")
  })
}

/** A topic to publish to: no wildcards, not empty. */
export function checkTopicName(topic: string): string | null {
  if (topic === '') return 'it is empty'
  if (topic.includes('+') || topic.includes('#')) return "it contains a wildcard ('+' or '#')"
  return null
}
