/**
 * Label values derived from input a client controls, mapped onto small fixed sets so that
 * no client can create unbounded metric series.
 */
import { CloseCode } from './protocol/close-codes.js'

const KNOWN_CLOSE_CODES: ReadonlySet<number> = new Set<number>(Object.values(CloseCode))

/**
 * The `code` label of `weft_closes_total`: the standard codes (1000–1015) and the server's own
 * (`CloseCode`) as numbers, anything else a client chose (3000–4999) as `other`.
 *
 * @example
 * closeCodeLabel(1006) // '1006'
 * closeCodeLabel(4123) // 'other'
 */
export function closeCodeLabel(code: number): string {
  if ((code >= 1000 && code <= 1015) || KNOWN_CLOSE_CODES.has(code)) return String(code)
  return 'other'
}
