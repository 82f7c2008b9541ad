import { describe, expect, it } from 'vitest'
import { describeStatus } from './status-pill.js'

describe('describeStatus', () => {
  it('says what a person needs to know', () => {
    expect(
      describeStatus({ connection: 'connected', synced: true, unconfirmed: 0, refusal: null }).text,
    ).toBe('Saved')
    expect(
      describeStatus({ connection: 'connecting', synced: false, unconfirmed: 0, refusal: null })
        .text,
    ).toBe('Connecting…')
    expect(
      describeStatus({ connection: 'offline', synced: false, unconfirmed: 3, refusal: null }).text,
    ).toBe('Offline — 3 changes pending')
    expect(
      describeStatus({ connection: 'offline', synced: false, unconfirmed: 1, refusal: null }).text,
    ).toBe('Offline — 1 change pending')
    expect(
      describeStatus({ connection: 'offline', synced: false, unconfirmed: 0, refusal: null }).text,
    ).toBe('Offline')
    expect(
      describeStatus({ connection: 'connected', synced: false, unconfirmed: 2, refusal: null })
        .text,
    ).toBe('Saving…')
  })

  it('says why the server refused the document, and what is not saved', () => {
    const refused = (code: number, unconfirmed = 0) =>
      describeStatus({
        connection: 'offline',
        synced: false,
        unconfirmed,
        refusal: { code, reason: 'whatever the server said' },
      })
    expect(refused(4410)).toEqual({ text: 'Deleted', tone: 'refused' })
    expect(refused(4403, 2).text).toBe('No access — 2 changes not saved')
    expect(refused(4499).text).toBe('Refused by the server — reload')
  })
})
