/**
 * The server's own option schema, to check that every WEFT_* variable the deployment files
 * set is a real option with a valid value (parsed by the server's parsers, not ours).
 */
import { ConfigError, OPTIONS, parseConfig, type ServerConfig } from '@weft/sync-server'

/** Environment variable names of the server's options. */
export function knownOptionNames(): Set<string> {
  return new Set(Object.values(OPTIONS).map((o) => o.env))
}

/**
 * Problems with a server environment: WEFT_* names that are no option, and the server's
 * own error for a value it would refuse at start (exit code 2). Empty when it would start.
 */
export function serverEnvProblems(env: Readonly<Record<string, string>>): string[] {
  const known = knownOptionNames()
  const problems = Object.keys(env)
    .filter((name) => name.startsWith('WEFT_') && !known.has(name))
    .map((name) => `${name} is not a weft-server option`)
  try {
    parseConfig({ argv: [], env })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems.push(error.message)
  }
  return problems
}

/** The configuration the server would run with, given only this environment. */
export function serverConfig(env: Readonly<Record<string, string>>): ServerConfig {
  const parsed = parseConfig({ argv: [], env })
  if (parsed.help) throw new Error('unexpected --help')
  return parsed.config
}
