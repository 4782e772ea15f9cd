/**
 * Confluent's wire format for Kafka records: a magic byte 0, the schema id as a 4-byte
 * big-endian integer, then the Avro body (the record encoded with the schema of that id).
 */
export const MAGIC_BYTE = 0
export const HEADER_BYTES = 5

/** The schema id and the body of a framed record, or null when the bytes are not framed. */
export function unframe(bytes: Uint8Array): { id: number; body: Buffer } | null {
  if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) return null
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { id: b.readUInt32BE(1), body: b.subarray(HEADER_BYTES) }
}

/** The body framed with the schema id. */
export function frame(id: number, body: Buffer): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length)
  out[0] = MAGIC_BYTE
  new DataView(out.buffer).setUint32(1, id)
  out.set(body, HEADER_BYTES)
  return out
}
