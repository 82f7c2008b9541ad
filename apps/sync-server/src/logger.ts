import { type Logger, pino } from 'pino'

/** The server's logger: JSON lines on standard output at `level`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'weft-server' } })
}

/** A logger that writes nothing (tests, embedding without logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
