/**
 * Secrets kept out of everything a user may print: `console.log(query)`, `util.inspect(df)`,
 * `String(writer)`, `JSON.stringify(reader)`. An option is a secret when its name says so
 * (password, secret, token, credentials, JAAS config, private keys); in every other value,
 * the password of a URL (`postgres://user:pw@host`, `nats://user:pw@host`,
 * `redis://:pw@host`) and `password=`/`token=` parameters are replaced. Options are
 * matched by name because connectors take passwords under many names (`password`,
 * `kafka.sasl.password`, `kafka.sasl.jaas.config`, `token`, `creds`).
 */
import { inspect } from 'node:util'

export const REDACTED = '***'

const SECRET_OPTION =
  /pass(word|wd|phrase)?$|password|secret|token|cred(s|ential)|jaas|api[._-]?key|private[._-]?key/i

/** Whether an option's value is a secret by its name. */
export function isSecretOption(key: string): boolean {
  return SECRET_OPTION.test(key)
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*):[^\s@/?#]*@/gi
const PARAM_SECRET = /([?&;](?:password|passwd|pwd|token|secret|access_token|api[_-]?key)=)[^&;#\s]*/gi

/** `text` with URL passwords and secret URL parameters replaced by ***. */
export function redactText(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(PARAM_SECRET, `$1${REDACTED}`)
}

/** Options as they may be shown: secret ones replaced, URL passwords in the others too. */
export function redactOptions(
  options: Readonly<Record<string, unknown>>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue
    if (isSecretOption(k)) out[k] = REDACTED
    else if (typeof v === 'string') out[k] = redactText(v)
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v
    else out[k] = redactText(String(v))
  }
  return out
}

/**
 * Makes instances of `cls` print as `summary(instance)` in `util.inspect`/`console.log`, and
 * serialize as it in `JSON.stringify`, instead of their fields (which hold clients,
 * connection settings, passwords). `summary` must return only what is safe to show.
 */
export function showOnly<T extends object>(
  cls: { readonly prototype: T },
  summary: (self: T) => Record<string, unknown>,
): void {
  const proto = cls.prototype as Record<PropertyKey, unknown>
  proto[inspect.custom] = function (
    this: T,
    _depth: number,
    options: Parameters<typeof inspect>[1],
    ins: typeof inspect = inspect,
  ) {
    return `${this.constructor.name} ${ins(summary(this), options)}`
  }
  proto.toJSON = function (this: T) {
    return summary(this)
  }
}
