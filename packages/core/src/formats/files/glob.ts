/**
 * Glob paths as Spark reads them: `*` and `?` within one path segment, `**` across any
 * number of segments, `[abc]` / `[!abc]` character classes and `{a,b}` alternatives. A
 * pattern splits into the folder before its first wildcard (where listing starts) and a
 * matcher for paths relative to that folder.
 */
import * as path from 'node:path'

const WILDCARD = /[*?[{]/

export function isGlob(p: string): boolean {
  return WILDCARD.test(p)
}

export interface GlobPattern {
  /** The folder before the first segment with a wildcard; listing starts there. */
  readonly base: string
  /** How many segments below `base` a match can be; Infinity with `**`. */
  readonly maxDepth: number
  /** Whether a path relative to `base`, segments joined by '/', matches. */
  matches(relative: string): boolean
}

export function compileGlob(absolutePattern: string): GlobPattern {
  const segments = absolutePattern.split(path.sep)
  const firstWild = segments.findIndex((s) => WILDCARD.test(s))
  const baseSegments = segments.slice(0, firstWild)
  const rest = segments.slice(firstWild).filter((s) => s !== '')
  const base = baseSegments.join(path.sep) || path.sep
  const regex = new RegExp(`^${segmentsToRegex(rest)}$`)
  return {
    base,
    maxDepth: rest.includes('**') ? Number.POSITIVE_INFINITY : rest.length,
    matches: (relative) => regex.test(relative),
  }
}

function segmentsToRegex(segments: readonly string[]): string {
  let out = ''
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1
    if (segments[i] === '**') {
      // `a/**/b` must also match `a/b`, so the segment takes its slash with it.
      out += last ? '.+' : '(?:[^/]+/)*'
      continue
    }
    out += segmentToRegex(segments[i])
    if (!last) out += '/'
  }
  return out
}

function segmentToRegex(segment: string): string {
  let out = ''
  let braceDepth = 0
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]
    if (c === '*') {
      while (segment[i + 1] === '*') i++
      out += '[^/]*'
    } else if (c === '?') {
      out += '[^/]'
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2)
      if (close < 0) {
        out += '\\['
        continue
      }
      let body = segment.slice(i + 1, close)
      const negated = body.startsWith('!') || body.startsWith('^')
      if (negated) body = body.slice(1)
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`
      i = close
    } else if (c === '{') {
      braceDepth++
      out += '(?:'
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--
      out += ')'
    } else if (c === ',' && braceDepth > 0) {
      out += '|'
    } else {
      out += c.replace(/[.+^$()|\\{}]/g, '\\$&')
    }
  }
  // An unclosed `{` is taken literally rather than producing an invalid regex.
  return braceDepth > 0 ? segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&') : out
}
