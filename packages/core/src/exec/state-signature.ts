/**
 * What a stateful operator's state means, as text recorded in the checkpoint
 * (QueryFingerprint.stateSignatures): the key expressions and their types, the aggregate
 * functions with their arguments, the window. A restart whose operator would read the
 * stored state differently (`max(v)` where it was `sum(v)`, under the same column name;
 * `upper(k) AS k` where it was `k`; 20-second windows where they were 10) is refused with
 * both texts, instead of mixing old and new state.
 */
import type { Compiled } from '../expr/compiled.js'
import type { Expr } from '../expr/expr.js'
import { typeToString } from '../types/data-types.js'
import type { AggregateSpec } from './aggregate/hash-aggregate.js'

/** JSON that never throws: BigInt and functions, which JSON.stringify refuses or drops, become text. */
function json(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x: unknown) =>
      typeof x === 'bigint' ? `${x}n` : typeof x === 'function' ? '<function>' : x,
    ) ?? 'undefined'
  )
}

/** The whole expression, unlike exprName, which keeps only an alias or a column's last segment. */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.path
    case 'literal':
      return `${json(e.value)}${e.type ? `:${typeToString(e.type)}` : ''}`
    case 'alias':
      return `${exprText(e.child)} AS ${e.name}`
    case 'call': {
      const options = e.options && Object.keys(e.options).length > 0 ? ` ${json(e.options)}` : ''
      return `${e.name}(${e.args.map(exprText).join(', ')}${options})`
    }
    case 'cast':
      return `CAST(${exprText(e.child)} AS ${typeToString(e.to)})`
    case 'case':
      return `CASE ${e.branches.map((b) => `WHEN ${exprText(b.when)} THEN ${exprText(b.result)}`).join(' ')}${
        e.otherwise ? ` ELSE ${exprText(e.otherwise)}` : ''
      } END`
    case 'star':
      return '*'
    case 'udf':
      // A function's body is the user's to change; its name, inputs and type are what state depends on.
      return `udf ${e.name}(${e.args.map(exprText).join(', ')}): ${typeToString(e.returnType)}`
    case 'sortOrder':
      return `${exprText(e.child)} ${e.ascending ? 'ASC' : 'DESC'}`
  }
}

export function keysText(keys: readonly Compiled[]): string {
  return `keys=[${keys.map((k) => `${exprText(k.expr)}: ${typeToString(k.type)}`).join(', ')}]`
}

export function aggregatesText(aggregates: readonly AggregateSpec[]): string {
  const one = (a: AggregateSpec): string => {
    const options = Object.keys(a.options).length > 0 ? ` ${json(a.options)}` : ''
    const args = a.args.map((x) => `${exprText(x.expr)}: ${typeToString(x.type)}`).join(', ')
    return `${a.name} = ${a.fn}(${args}${options})`
  }
  return `aggregates=[${aggregates.map(one).join(', ')}]`
}
