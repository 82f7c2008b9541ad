import { describe, expect, it } from 'vitest'
import { deriveStatus, type StatusInputs } from './status.js'

const base: StatusInputs = {
  socketOpen: false,
  providerSynced: false,
  triedBefore: false,
  browserOnline: true,
  unconfirmed: 0,
  refusal: null,
}

describe('deriveStatus', () => {
  it('is connecting on the first attempt, offline after a loss or without network', () => {
    expect(deriveStatus(base).connection).toBe('connecting')
    expect(deriveStatus({ ...base, triedBefore: true }).connection).toBe('offline')
    expect(deriveStatus({ ...base, browserOnline: false }).connection).toBe('offline')
  })

  it('is synced only when connected, synced and nothing is unconfirmed', () => {
    const connected = { ...base, socketOpen: true, providerSynced: true }
    expect(deriveStatus(connected)).toEqual({
      connection: 'connected',
      synced: true,
      unconfirmed: 0,
      refusal: null,
    })
    expect(deriveStatus({ ...connected, unconfirmed: 2 }).synced).toBe(false)
    expect(deriveStatus({ ...connected, providerSynced: false }).synced).toBe(false)
    expect(deriveStatus({ ...base, providerSynced: true, triedBefore: true }).synced).toBe(false)
  })

  it('is offline with the refusal until a socket opens again', () => {
    const refusal = { code: 4410, reason: 'document deleted' }
    expect(deriveStatus({ ...base, refusal })).toMatchObject({ connection: 'offline', refusal })
    expect(deriveStatus({ ...base, refusal, socketOpen: true }).refusal).toBeNull()
  })
})
