/** Names of webhook receivers: a stable queue key and a metric label per configured URL. */
import { createHash } from 'node:crypto'

/**
 * The key of a receiver's queue: a hash of its full URL, so the same URL finds its queue
 * again after a restart, and the URL (which may hold credentials) is not stored as a key.
 */
export function receiverKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 32)
}

/**
 * The `receiver` label of each URL: its origin and path, without query or credentials; URLs
 * that differ only there get `#2`, `#3`… in configuration order.
 *
 * @example
 * receiverLabels(['https://u:p@hooks.example.com/weft?key=1']) // ['https://hooks.example.com/weft']
 */
export function receiverLabels(urls: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return urls.map((url) => {
    const parsed = new URL(url)
    const base = `${parsed.origin}${parsed.pathname}`
    const count = (seen.get(base) ?? 0) + 1
    seen.set(base, count)
    return count === 1 ? base : `${base}#${count}`
  })
}
