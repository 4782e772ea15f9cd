/** Writing a text file piece by piece (a row, a block of rows), so a large batch never becomes one huge string. */
import { open } from 'node:fs/promises'

/** About this many characters are gathered before each write. */
const CHUNK_CHARS = 1 << 20

export async function writeTextChunks(
  file: string,
  pieces: number,
  pieceText: (piece: number) => string,
  header = '',
): Promise<void> {
  const handle = await open(file, 'w')
  try {
    let parts: string[] = header === '' ? [] : [header]
    let size = header.length
    for (let piece = 0; piece < pieces; piece++) {
      const text = pieceText(piece)
      parts.push(text)
      size += text.length
      if (size >= CHUNK_CHARS) {
        await handle.write(parts.join(''))
        parts = []
        size = 0
      }
    }
    if (parts.length > 0) await handle.write(parts.join(''))
  } finally {
    await handle.close()
  }
}
