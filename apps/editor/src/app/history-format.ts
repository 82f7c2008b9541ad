/** How the History panel shows a version: title, time and size, as text. Pure. */
import type { VersionSummary } from './versions-api.js'

/** The version's label, or what kind of version it is. */
export function versionTitle(version: Pick<VersionSummary, 'label' | 'kind'>): string {
  if (version.label !== null) return version.label
  return version.kind === 'auto' ? 'Automatic version' : 'Saved version'
}

/** `532 B`, `1.2 kB`, `3.4 MB` (decimal units, as file managers show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}

/**
 * When it was saved: the time of day for today, else the date and time; `locale` and
 * `timeZone` default to the browser's.
 *
 * @example
 * formatTime('2025-03-03T14:05:00Z', new Date('2025-03-03T18:00:00Z'), 'en-GB', 'UTC') // '14:05'
 */
export function formatTime(iso: string, now: Date, locale?: string, timeZone?: string): string {
  const date = new Date(iso)
  const day = (d: Date) => d.toLocaleDateString(locale, { timeZone })
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', timeZone })
  if (day(date) === day(now)) return time
  const sameYear =
    date.toLocaleDateString(locale, { year: 'numeric', timeZone }) ===
    now.toLocaleDateString(locale, { year: 'numeric', timeZone })
  const dayText = date.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    timeZone,
  })
  return `${dayText}, ${time}`
}
