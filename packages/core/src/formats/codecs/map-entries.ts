/**
 * Maps and structs travel as plain objects. A key named `__proto__` must become an entry,
 * not the object's prototype, or it would vanish without a trace.
 */
export function setEntry(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
  else map[key] = value
}
