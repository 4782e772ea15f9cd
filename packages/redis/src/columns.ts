/**
 * Columns of a known length, filled row by row: numbers and times into Float64Arrays
 * (epoch milliseconds), booleans into Uint8Arrays, everything else into arrays; the
 * engine's own layout (core's Vector), so a batch needs no conversion.
 */
import type { DataType, Vector } from '@tributary/core'

const float64Backed = new Set(['int', 'long', 'float', 'double', 'timestamp', 'date'])

export class ColumnFiller {
  private readonly numbers: Float64Array | undefined
  private readonly bools: Uint8Array | undefined
  private readonly objects: unknown[] | undefined
  private validity: Uint8Array | null = null

  constructor(
    readonly type: DataType,
    private readonly length: number,
  ) {
    if (float64Backed.has(type.kind)) this.numbers = new Float64Array(length)
    else if (type.kind === 'boolean') this.bools = new Uint8Array(length)
    else this.objects = new Array<unknown>(length).fill(null)
  }

  /** An engine value: a number (ms for times), a boolean, a JS value; null for none. */
  set(row: number, value: unknown): void {
    if (this.objects) {
      this.objects[row] = value ?? null
      return
    }
    if (value == null) {
      this.validity ??= new Uint8Array(this.length).fill(1)
      this.validity[row] = 0
      if (this.numbers) this.numbers[row] = Number.NaN
      return
    }
    if (this.numbers) this.numbers[row] = value as number
    else this.bools![row] = value ? 1 : 0
  }

  finish(): Vector {
    const { type, length, validity } = this
    if (this.numbers) return { kind: 'number', type, length, values: this.numbers, validity }
    if (this.bools) return { kind: 'bool', type, length, values: this.bools, validity }
    return { kind: 'object', type, length, values: this.objects! }
  }
}
