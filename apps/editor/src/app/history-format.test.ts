import { describe, expect, it } from 'vitest'
import { formatSize, formatTime, versionTitle } from './history-format.js'

describe('history format', () => {
  it('titles versions by label or kind', () => {
    expect(versionTitle({ label: 'Before launch', kind: 'manual' })).toBe('Before launch')
    expect(versionTitle({ label: null, kind: 'auto' })).toBe('Automatic version')
    expect(versionTitle({ label: null, kind: 'manual' })).toBe('Saved version')
  })

  it('formats sizes', () => {
    expect(formatSize(532)).toBe('532 B')
    expect(formatSize(1234)).toBe('1.2 kB')
    expect(formatSize(3_400_000)).toBe('3.4 MB')
  })

  it('shows the time for today, the date and time otherwise', () => {
    const now = new Date('2025-03-03T18:00:00Z')
    expect(formatTime('2025-03-03T14:05:00Z', now, 'en-GB', 'UTC')).toBe('14:05')
    expect(formatTime('2025-02-28T09:30:00Z', now, 'en-GB', 'UTC')).toBe('28 Feb, 09:30')
    expect(formatTime('2024-12-31T23:59:00Z', now, 'en-GB', 'UTC')).toBe('31 Dec 2024, 23:59')
  })
})
