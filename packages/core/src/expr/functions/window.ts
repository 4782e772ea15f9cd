/**
 * window() outside a groupBy: the tumbling window a timestamp falls in, as a
 * `{ start, end }` struct. In a groupBy, the planner handles window() itself (sliding
 * windows repeat rows, which a scalar function cannot do).
 */
import { objectVector } from '../../batch/vector.js'
import { lastWindowStart } from '../../exec/window-assign.js'
import { windowCall } from '../../plan/event-time.js'
import { structOf, TimestampType, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { registerFunction } from '../registry.js'

export const windowType = structOf([
  { name: 'start', type: TimestampType, nullable: true },
  { name: 'end', type: TimestampType, nullable: true },
])

registerFunction({
  kind: 'scalar',
  name: 'window',
  bind(args, _options, expr) {
    const spec = windowCall(expr)!
    if (spec.slideMs !== spec.sizeMs) {
      throw new AnalysisError(
        'UNSUPPORTED_WINDOW: a sliding window() puts a row in several windows, which only a groupBy can do. Use window() in groupBy(...), or a tumbling window here.',
        'UNSUPPORTED_WINDOW',
      )
    }
    const time = args[0]
    if (time.type.kind !== 'timestamp' && time.type.kind !== 'date') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: window() needs a timestamp column, but ${time.name} is ${typeToString(time.type)}.`,
        'DATATYPE_MISMATCH',
      )
    }
    return {
      type: windowType,
      evaluate: (batch, ctx) => {
        const t = time.evaluate(batch, ctx)
        const out = new Array<unknown>(batch.numRows)
        for (let i = 0; i < batch.numRows; i++) {
          const v = t.kind === 'number' && (t.validity === null || t.validity[i] === 1) ? t.values[i] : null
          if (v === null) out[i] = null
          else {
            const start = lastWindowStart(v, spec)
            out[i] = { start: new Date(start), end: new Date(start + spec.sizeMs) }
          }
        }
        return objectVector(windowType, out)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'session_window',
  bind() {
    throw new AnalysisError(
      'MISPLACED_SESSION_WINDOW: session_window() can only be used as a grouping key: groupBy(session_window(col, gap), ...).',
      'MISPLACED_SESSION_WINDOW',
    )
  },
})
