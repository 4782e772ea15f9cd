/** explode and explode_outer: one row per array element (or map entry). */
import { type DataType, StringType, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { expectArity, registerFunction } from '../registry.js'

function generator(name: string, outer: boolean): void {
  registerFunction({
    kind: 'generator',
    name,
    bind(args) {
      expectArity(name, args, 1)
      const t = args[0].type
      let outputs: { name: string; type: DataType }[]
      if (t.kind === 'array') outputs = [{ name: 'col', type: t.element }]
      else if (t.kind === 'map')
        outputs = [
          { name: 'key', type: StringType },
          { name: 'value', type: t.value },
        ]
      else
        throw new AnalysisError(
          `DATATYPE_MISMATCH: ${name} needs an array or a map, but ${args[0].name} is ${typeToString(t)}.`,
          'DATATYPE_MISMATCH',
        )
      return { outputs, outer }
    },
  })
}
generator('explode', false)
generator('explode_outer', true)
