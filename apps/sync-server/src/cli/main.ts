#!/usr/bin/env node
/**
 * `weft-server`: parse the config once, start the server, stop it cleanly on SIGTERM/SIGINT.
 * Exit codes: 0 clean stop, 1 failure (or shutdown past its deadline), 2 bad configuration.
 */
import { createPresenceValidator } from '@weft/awareness'
import { parseConfig } from '../config/parse-config.js'
import { ConfigError } from '../config/parse-value.js'
import { renderHelp } from '../config/render-docs.js'
import { createLogger, resolveLogFormat } from '../logger.js'
import { createSyncServer } from '../server.js'
import { runTokenCommand, TOKEN_HELP } from './token-command.js'

async function main(): Promise<number> {
  if (process.argv[2] === 'token') return tokenCommand(process.argv.slice(3))
  let parsed: ReturnType<typeof parseConfig>
  try {
    parsed = parseConfig({ argv: process.argv.slice(2), env: process.env })
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `weft-server: ${error.message}\nRun weft-server --help for the options.\n`,
      )
      return 2
    }
    throw error
  }
  if (parsed.help) {
    process.stdout.write(renderHelp())
    return 0
  }
  const { config } = parsed
  const logger = createLogger(
    config.logLevel,
    resolveLogFormat(config.logFormat, process.stdout.isTTY === true),
  )
  const server = createSyncServer(config, {
    logger,
    processMetrics: true,
    // Weft states must be valid version-1 presence; states of other y-prosemirror clients
    // (Tiptap's `{ user: { name, color }, cursor }`, plain `{}`) are shape-checked and relayed
    // too, so mixed editors still see each other. See packages/awareness/README.md.
    validatePresence: createPresenceValidator({ acceptForeign: true }),
  })
  // Signals are taken from here on, before the "listening" line: a supervisor (or a test) may
  // send SIGTERM the moment it sees that line. One that arrives while starting is acted on
  // once the server is up.
  let stop: ((signal: string) => void) | null = null
  let early: string | null = null
  const onSignal = (signal: string): void => {
    if (stop === null) early ??= signal
    else stop(signal)
  }
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  process.once('SIGINT', () => onSignal('SIGINT'))
  try {
    await server.listen()
  } catch (error) {
    logger.fatal({ err: error }, 'could not start')
    await server.close().catch(() => undefined)
    return 1
  }

  return new Promise<number>((resolve) => {
    stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down')
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; exiting')
        resolve(1)
      }, config.shutdownTimeoutMs)
      deadline.unref()
      server.close().then(
        () => {
          clearTimeout(deadline)
          resolve(0)
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    if (early !== null) stop(early)
  })
}

async function tokenCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(TOKEN_HELP)
    return 0
  }
  try {
    process.stdout.write(`${await runTokenCommand(argv, process.env)}\n`)
    return 0
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`weft-server token: ${error.message}\n`)
      return 2
    }
    throw error
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `weft-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exit(1)
  },
)
