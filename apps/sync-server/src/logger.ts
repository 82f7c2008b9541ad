import { type Logger, pino } from 'pino'
import pretty from 'pino-pretty'

/** How log lines are written: one JSON object per line, or coloured text for people. */
export type LogFormat = 'json' | 'pretty'

/**
 * The format of `--log-format`: `auto` is `pretty` when standard output is a terminal and
 * `json` otherwise (a file, a pipe, a log collector).
 *
 * @example
 * resolveLogFormat(config.logFormat, process.stdout.isTTY === true)
 */
export function resolveLogFormat(option: 'auto' | LogFormat, stdoutIsTty: boolean): LogFormat {
  if (option !== 'auto') return option
  return stdoutIsTty ? 'pretty' : 'json'
}

/** The server's logger: lines on standard output at `level`, JSON unless `format` says pretty. */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'weft-server' } }
  if (format === 'json') return pino(options)
  // Synchronous, like pino's own stdout destination, so the last lines before exit are kept.
  return pino(
    options,
    pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }),
  )
}

/** A logger that writes nothing (tests, embedding without logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
