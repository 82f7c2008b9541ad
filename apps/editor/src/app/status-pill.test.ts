import { describe, expect, it } from 'vitest'
import { describeStatus } from './status-pill.js'

describe('describeStatus', () => {
  it('says what a person needs to know', () => {
    expect(describeStatus({ connection: 'connected', synced: true, unconfirmed: 0 }).text).toBe(
      'Saved',
    )
    expect(describeStatus({ connection: 'connecting', synced: false, unconfirmed: 0 }).text).toBe(
      'Connecting…',
    )
    expect(describeStatus({ connection: 'offline', synced: false, unconfirmed: 3 }).text).toBe(
      'Offline — 3 changes pending',
    )
    expect(describeStatus({ connection: 'offline', synced: false, unconfirmed: 1 }).text).toBe(
      'Offline — 1 change pending',
    )
    expect(describeStatus({ connection: 'offline', synced: false, unconfirmed: 0 }).text).toBe(
      'Offline',
    )
    expect(describeStatus({ connection: 'connected', synced: false, unconfirmed: 2 }).text).toBe(
      'Saving…',
    )
  })
})
