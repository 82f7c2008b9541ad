/**
 * Compose's variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`, `$$` for a literal
 * `$`), applied to every string value of a parsed compose file, as `docker compose` does
 * before it validates the file. Pure.
 */

/** A required variable is missing, or the syntax is not one compose accepts. */
export class InterpolationError extends Error {}

const PATTERN = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$/s

/**
 * Interpolate one string.
 *
 * @throws {InterpolationError} for `${VAR:?message}` with VAR unset or empty, and bad syntax.
 * @example
 * interpolate('${PORT:-1234}:1234', {}) // '1234:1234'
 */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return text.replace(
    PATTERN,
    (_, dollar: string | undefined, braced: string | undefined, bare: string | undefined) => {
      if (dollar !== undefined) return '$'
      if (bare !== undefined) return env[bare] ?? ''
      const match = BRACED.exec(braced ?? '')
      if (match === null) throw new InterpolationError(`invalid interpolation: \${${braced}}`)
      const [, name = '', operator, argument = ''] = match
      if (argument.includes('$')) {
        throw new InterpolationError(`nested interpolation is not supported: \${${braced}}`)
      }
      const value = env[name]
      const unset = value === undefined
      const empty = unset || value === ''
      switch (operator) {
        case undefined:
          return value ?? ''
        case ':-':
          return empty ? argument : (value as string)
        case '-':
          return unset ? argument : (value as string)
        case ':?':
        case '?':
          if (operator === ':?' ? empty : unset) {
            throw new InterpolationError(
              `required variable ${name} is missing a value${argument ? `: ${argument}` : ''}`,
            )
          }
          return value as string
        case ':+':
          return empty ? '' : argument
        case '+':
          return unset ? '' : argument
        default:
          throw new InterpolationError(`invalid interpolation: \${${braced}}`)
      }
    },
  )
}

/** Interpolate every string value (not keys) of a parsed YAML tree. */
export function interpolateTree(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): unknown {
  if (typeof value === 'string') return interpolate(value, env)
  if (Array.isArray(value)) return value.map((v) => interpolateTree(v, env))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateTree(v, env)]))
  }
  return value
}
