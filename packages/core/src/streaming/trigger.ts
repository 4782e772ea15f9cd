/**
 * When the next micro-batch starts. The default runs the next batch as soon as the last
 * is done and data is there; processingTime spaces batch starts by an interval; once runs
 * one batch of everything available; availableNow runs everything available, in as many
 * batches as admission control makes, then stops.
 */
import { parseDuration } from '../util/duration.js'
import { OptionError } from '../util/errors.js'

export type TriggerSpec =
  | { readonly processingTime: string | number }
  | { readonly once: true }
  | { readonly availableNow: true }

export type Trigger =
  | { readonly kind: 'processingTime'; readonly intervalMs: number }
  | { readonly kind: 'once' }
  | { readonly kind: 'availableNow' }

export const defaultTrigger: Trigger = { kind: 'processingTime', intervalMs: 0 }

export function parseTrigger(spec: TriggerSpec): Trigger {
  if ('once' in spec && spec.once) return { kind: 'once' }
  if ('availableNow' in spec && spec.availableNow) return { kind: 'availableNow' }
  if ('processingTime' in spec) {
    try {
      return { kind: 'processingTime', intervalMs: parseDuration(spec.processingTime) }
    } catch (e) {
      throw new OptionError(`trigger: ${(e as Error).message}`, 'INVALID_TRIGGER')
    }
  }
  throw new OptionError(
    "trigger: expected { processingTime: '10 seconds' }, { once: true } or { availableNow: true }.",
    'INVALID_TRIGGER',
  )
}

export function describeTrigger(t: Trigger): string {
  if (t.kind === 'processingTime')
    return t.intervalMs === 0 ? 'ProcessingTime(0)' : `ProcessingTime(${t.intervalMs} ms)`
  return t.kind === 'once' ? 'Once' : 'AvailableNow'
}
