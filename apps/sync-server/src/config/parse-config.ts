import { parseArgs } from 'node:util'
import { OPTIONS, type OptionSpec, type ServerConfig, validateConfig } from './options.js'
import { ConfigError } from './parse-value.js'

/** Where options are read from. Flags win over the environment, which wins over defaults. */
export interface ConfigSources {
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The result of parsing: a config, or a request for help. */
export type ParsedCommandLine =
  | { readonly help: true }
  | { readonly help: false; readonly config: ServerConfig }

/**
 * Parse the server's command line and environment into a validated config.
 *
 * @throws {ConfigError} with a one-line message naming the flag, for unknown flags and bad values.
 * @example
 * const parsed = parseConfig({ argv: ['--port', '0'], env: process.env })
 */
export function parseConfig(sources: ConfigSources): ParsedCommandLine {
  const specs = Object.entries(OPTIONS) as [keyof ServerConfig, OptionSpec<unknown>][]
  const argOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    help: { type: 'boolean' },
  }
  for (const [, spec] of specs) {
    argOptions[spec.flag] = {
      type: spec.default === false ? 'boolean' : 'string',
      ...(spec.parser.repeatable === true ? { multiple: true } : {}),
    }
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>
  try {
    values = parseArgs({
      args: [...sources.argv],
      options: argOptions,
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    // node:util's messages can span lines; the first says what is wrong.
    const message = error instanceof Error ? error.message : String(error)
    throw new ConfigError(message.split('\n')[0] ?? message)
  }
  if (values.help === true) return { help: true }

  const config: Record<string, unknown> = {}
  for (const [key, spec] of specs) {
    const given = values[spec.flag]
    const flagValue = Array.isArray(given) ? given.join(',') : given
    const envValue = sources.env[spec.env]
    if (flagValue === true) {
      config[key] = true
    } else if (typeof flagValue === 'string') {
      config[key] = parseOne(spec, flagValue, `--${spec.flag}`)
    } else if (envValue !== undefined && envValue !== '') {
      config[key] = parseOne(spec, envValue, spec.env)
    } else {
      config[key] = spec.default
    }
  }
  return { help: false, config: validateConfig(config as ServerConfig) }
}

function parseOne(spec: OptionSpec<unknown>, raw: string, source: string): unknown {
  try {
    return spec.parser.parse(raw)
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${source} ${error.message}`)
    throw error
  }
}
