/** The file formats built into core; each gets a file source and sink in builtins.ts. */
import type { FileFormat } from '../file-format.js'
import { csvFormat } from './csv.js'
import { jsonFormat } from './json.js'
import { parquetFormat } from './parquet.js'
import { textFormat } from './text.js'

export const builtinFileFormats: FileFormat[] = [jsonFormat, csvFormat, textFormat, parquetFormat]
