/** Options that every text-based format (JSON, CSV, text) reads the same way. */
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

const UTF8_NAMES = new Set(['utf-8', 'utf8'])

/** Files are read and written as UTF-8 only; another charset is refused rather than misread. */
export function requireUtf8(options: Options): void {
  for (const key of ['encoding', 'charset']) {
    const value = options.get(key)
    if (value !== undefined && !UTF8_NAMES.has(value.trim().toLowerCase())) {
      throw new OptionError(
        `${options.owner}: option '${key}' is '${value}', but only UTF-8 is supported. Convert the files to UTF-8 first (for example with iconv), or leave the option out.`,
        'UNSUPPORTED_ENCODING',
      )
    }
  }
}

/** The custom line separator, or undefined for `\n`, `\r\n` and `\r` when reading. */
export function lineSepOption(options: Options): string | undefined {
  const sep = options.get('lineSep')
  if (sep === '') {
    throw new OptionError(
      `${options.owner}: option 'lineSep' must not be empty. Leave it out to split lines at \\n, \\r\\n and \\r.`,
      'INVALID_OPTION',
    )
  }
  return sep
}
