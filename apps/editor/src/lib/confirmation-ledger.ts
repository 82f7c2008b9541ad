/**
 * Counts local changes the server has not yet confirmed, with nothing but the standard
 * y-websocket protocol.
 *
 * The trick: a server answers each sync step 1 with a sync step 2, in order, and the Weft
 * server sends that answer only once every update it received before it is durable
 * (persist before relay). So after sending changes, a client sends a step 1 of its own — a
 * "mark" — and the matching step 2 confirms every change sent before the mark. Against a
 * server without that guarantee it still confirms receipt.
 *
 * Counting step 1s and step 2s per socket is exact because y-websocket itself sends exactly
 * one step 1 per socket (when it opens; `resyncInterval` must stay off) and the server sends
 * step 2 only as an answer. Changes made while offline reach the server in the step 2 the
 * client sends when it gets the server's step 1, so marks wait for that.
 *
 * Pure: the caller reports what happened and sends a mark when told to.
 */

/** What the caller should do after reporting an event. */
export type LedgerAction = 'send-mark' | 'none'

interface SocketState {
  /** Step 1 frames sent on this socket so far (y-websocket's own counts as the first). */
  step1Sent: number
  step2Received: number
  serverStep1Received: boolean
  /** The mark waiting for its answer: its step 1 index and the change count it covers. */
  inFlight: { index: number; covers: number } | null
}

/** See the module comment. */
export interface ConfirmationLedger {
  /** Local changes not yet confirmed. */
  readonly unconfirmed: number
  /** A local document change happened (and was sent, if a socket is open). */
  localChange(): LedgerAction
  /** A socket opened; y-websocket is about to send its own step 1 on it. */
  socketOpened(): void
  /** The socket closed: marks in flight are lost and will be sent again on the next one. */
  socketClosed(): void
  /** The server's step 1 arrived (and y-websocket answered it with our full state). */
  serverStep1(): LedgerAction
  /** A step 2 arrived: the answer to the oldest step 1 not yet answered. */
  serverStep2(): LedgerAction
  /** The caller sent a mark (a step 1) on the open socket. */
  markSent(): void
}

/** A new ledger with no changes. */
export function createConfirmationLedger(): ConfirmationLedger {
  let changes = 0
  let confirmed = 0
  let socket: SocketState | null = null

  const next = (): LedgerAction =>
    socket?.serverStep1Received === true && socket.inFlight === null && changes > confirmed
      ? 'send-mark'
      : 'none'

  return {
    get unconfirmed() {
      return changes - confirmed
    },
    localChange() {
      changes++
      return next()
    },
    socketOpened() {
      socket = { step1Sent: 1, step2Received: 0, serverStep1Received: false, inFlight: null }
    },
    socketClosed() {
      socket = null
    },
    serverStep1() {
      if (socket === null) return 'none'
      socket.serverStep1Received = true
      return next()
    },
    serverStep2() {
      if (socket === null) return 'none'
      const index = socket.step2Received++
      if (socket.inFlight !== null && socket.inFlight.index === index) {
        confirmed = Math.max(confirmed, socket.inFlight.covers)
        socket.inFlight = null
      }
      return next()
    },
    markSent() {
      if (socket === null) throw new Error('markSent without an open socket')
      socket.inFlight = { index: socket.step1Sent++, covers: changes }
    },
  }
}
