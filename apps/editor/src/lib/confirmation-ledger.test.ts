import { describe, expect, it } from 'vitest'
import { createConfirmationLedger } from './confirmation-ledger.js'

describe('confirmation ledger', () => {
  it('counts changes made offline and confirms them after the reconnect sync', () => {
    const ledger = createConfirmationLedger()
    expect(ledger.localChange()).toBe('none') // no socket
    expect(ledger.localChange()).toBe('none')
    expect(ledger.unconfirmed).toBe(2)

    ledger.socketOpened()
    // Not before the server's step 1: our state goes out only in the answer to it.
    expect(ledger.localChange()).toBe('none')
    expect(ledger.serverStep1()).toBe('send-mark')
    ledger.markSent()
    // Step 2 #0 answers y-websocket's own step 1, not our mark.
    expect(ledger.serverStep2()).toBe('none')
    expect(ledger.unconfirmed).toBe(3)
    ledger.serverStep2()
    expect(ledger.unconfirmed).toBe(0)
  })

  it('keeps one mark in flight and sends the next when it is answered', () => {
    const ledger = createConfirmationLedger()
    ledger.socketOpened()
    ledger.serverStep1()
    ledger.serverStep2() // initial sync
    expect(ledger.localChange()).toBe('send-mark')
    ledger.markSent()
    expect(ledger.localChange()).toBe('none') // waits for the mark in flight
    expect(ledger.unconfirmed).toBe(2)
    expect(ledger.serverStep2()).toBe('send-mark') // first change confirmed, one left
    expect(ledger.unconfirmed).toBe(1)
    ledger.markSent()
    expect(ledger.serverStep2()).toBe('none')
    expect(ledger.unconfirmed).toBe(0)
  })

  it('forgets marks of a closed socket and confirms on the next one', () => {
    const ledger = createConfirmationLedger()
    ledger.socketOpened()
    ledger.serverStep1()
    ledger.serverStep2()
    ledger.localChange()
    ledger.markSent()
    ledger.socketClosed()
    expect(ledger.serverStep2()).toBe('none') // late frame of the old socket: ignored
    expect(ledger.unconfirmed).toBe(1)
    ledger.socketOpened()
    expect(ledger.serverStep1()).toBe('send-mark')
    ledger.markSent()
    ledger.serverStep2()
    expect(ledger.unconfirmed).toBe(1)
    ledger.serverStep2()
    expect(ledger.unconfirmed).toBe(0)
  })

  it('refuses a mark without a socket', () => {
    expect(() => createConfirmationLedger().markSent()).toThrow()
  })
})
