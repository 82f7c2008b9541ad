/**
 * Parsers for option values given as text (command line or environment). Each returns the
 * typed value or throws a `ConfigError` whose message completes "--flag …".
 */
import { isIP } from 'node:net'

/** A configuration value that cannot be used. The message is one line, fit for a terminal. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'INVALID_CONFIG'
}

/** A parser from option text to a typed value. `describe` names the accepted form for help. */
export interface ValueParser<T> {
  readonly describe: string
  /** The flag may be given several times; the values are joined with commas. */
  readonly repeatable?: boolean
  parse(text: string): T
  format(value: T): string
}

/** An integer in [min, max]. */
export function integer(min: number, max: number): ValueParser<number> {
  return {
    describe: `integer ${min}–${max}`,
    parse(text) {
      if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(`must be an integer (got "${text}")`)
      const value = Number(text)
      if (value < min || value > max) {
        throw new ConfigError(`must be between ${min} and ${max} (got ${value})`)
      }
      return value
    },
    format: String,
  }
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
}

/** A byte size: `1048576`, `512KiB`, `16MiB`, `1GB`. */
export function bytes(min: number, max: number): ValueParser<number> {
  return {
    describe: 'bytes (e.g. 512KiB, 16MiB)',
    parse(text) {
      const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
      const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? 'x']
      if (match === null || unit === undefined) {
        throw new ConfigError(`must be a size like 1048576, 512KiB or 16MiB (got "${text}")`)
      }
      const value = Math.round(Number(match[1]) * unit)
      if (value < min || value > max) {
        throw new ConfigError(
          `must be between ${formatBytes(min)} and ${formatBytes(max)} (got "${text}")`,
        )
      }
      return value
    },
    format: formatBytes,
  }
}

/** Bytes in the largest binary unit that divides them exactly. */
export function formatBytes(value: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (value >= size && value % size === 0) return `${value / size}${unit}`
  }
  return String(value)
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** A duration in milliseconds: `500ms`, `30s`, `5m`, `1h`, `7d`, or a plain number of ms. */
export function duration(minMs: number, maxMs: number): ValueParser<number> {
  return {
    describe: 'duration (e.g. 500ms, 30s, 5m)',
    parse(text) {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
      if (match === null) {
        throw new ConfigError(`must be a duration like 500ms, 30s or 5m (got "${text}")`)
      }
      const value = Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1))
      if (value < minMs || value > maxMs) {
        throw new ConfigError(
          `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)} (got "${text}")`,
        )
      }
      return value
    },
    format: formatDuration,
  }
}

/** Milliseconds in the largest unit that divides them exactly. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export const boolean: ValueParser<boolean> = {
  describe: 'boolean',
  parse(text) {
    const value = text.trim().toLowerCase()
    if (['true', '1', 'yes', 'on'].includes(value)) return true
    if (['false', '0', 'no', 'off'].includes(value)) return false
    throw new ConfigError(`must be true or false (got "${text}")`)
  },
  format: String,
}

/** One of a fixed set of words. */
export function oneOf<const T extends string>(values: readonly T[]): ValueParser<T> {
  return {
    describe: values.join(' | '),
    parse(text) {
      const value = text.trim() as T
      if (!values.includes(value)) {
        throw new ConfigError(`must be one of ${values.join(', ')} (got "${text}")`)
      }
      return value
    },
    format: String,
  }
}

/** Any non-empty text. */
export const text: ValueParser<string> = {
  describe: 'text',
  parse(value) {
    if (value.trim() === '') throw new ConfigError('must not be empty')
    return value
  },
  format: String,
}

/** Optional text: empty means unset. */
export const optionalText: ValueParser<string | null> = {
  describe: 'text',
  parse(value) {
    return value.trim() === '' ? null : value
  },
  format: (value) => value ?? '(none)',
}

/** A comma-separated list of non-empty items (spaces around items ignored). */
export const list: ValueParser<readonly string[]> = {
  describe: 'comma-separated list',
  parse(value) {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
  },
  format: (value) => (value.length === 0 ? '(none)' : value.join(',')),
}

/** A list of http(s) URLs, comma-separated or from a repeated flag. */
export const urlList: ValueParser<readonly string[]> = {
  describe: 'comma-separated URLs (flag repeatable)',
  repeatable: true,
  parse(value) {
    const urls = list.parse(value)
    for (const url of urls) {
      let parsed: URL
      try {
        parsed = new URL(url)
      } catch {
        throw new ConfigError(`must be http or https URLs (got "${url}")`)
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new ConfigError(`must be http or https URLs (got "${url}")`)
      }
    }
    if (new Set(urls).size !== urls.length) throw new ConfigError('lists the same URL twice')
    return urls
  },
  format: list.format,
}

/**
 * A list of IP addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`),
 * comma-separated.
 */
export const addressList: ValueParser<readonly string[]> = {
  describe: 'comma-separated IP addresses or CIDR ranges',
  parse(value) {
    const items = list.parse(value)
    for (const item of items) {
      const [address = '', prefix, extra] = item.split('/')
      const family = isIP(address)
      const bits = family === 4 ? 32 : 128
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits)
      if (family === 0 || !prefixOk || extra !== undefined) {
        throw new ConfigError(`must be IP addresses or CIDR ranges (got "${item}")`)
      }
    }
    return items
  },
  format: list.format,
}

/** A comma-separated list of words from a fixed set; `all` stands for every one. */
export function listOf<const T extends string>(values: readonly T[]): ValueParser<readonly T[]> {
  return {
    describe: `comma-separated: all, or ${values.join(', ')}`,
    parse(text) {
      const items = list.parse(text)
      if (items.length === 1 && items[0] === 'all') return values
      if (items.length === 0) throw new ConfigError('must name at least one value, or all')
      for (const item of items) {
        if (!values.includes(item as T)) {
          throw new ConfigError(`must be all, or some of ${values.join(', ')} (got "${item}")`)
        }
      }
      return items as T[]
    },
    format: (value) => (values.every((v) => value.includes(v)) ? 'all' : value.join(',')),
  }
}
