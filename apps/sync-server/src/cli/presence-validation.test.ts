/**
 * The CLI wires `@weft/awareness` in as the presence validator: Weft and foreign
 * y-prosemirror states are relayed, invalid and oversized ones are dropped and counted.
 * Runs the built CLI as a real process with real y-websocket clients.
 */
import { afterEach, expect, it } from 'vitest'
import {
  Cleanup,
  type Client,
  connectClient,
  spawnServer,
  synced,
  tempDir,
  until,
} from '../test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const weftState = (name: string) => ({
  v: 1,
  user: { id: `id-${name}`, name, color: '#1f6feb' },
  cursor: null,
  activity: { status: 'active', lastActiveAt: 1 },
})

/** Every state the observer has seen for the sender's client id, in order. */
function watch(observer: Client, sender: Client): unknown[] {
  const seen: unknown[] = []
  observer.provider.awareness.on('change', () => {
    const state = observer.provider.awareness.getStates().get(sender.doc.clientID)
    if (state !== undefined) seen.push(state)
  })
  return seen
}

async function droppedCount(httpUrl: string, reason: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`weft_awareness_states_dropped_total{reason="${reason}"}`))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

it('relays valid Weft and foreign states and drops invalid or oversized ones', async () => {
  const dataDir = await tempDir(cleanup)
  const server = await spawnServer(cleanup, ['--data-dir', dataDir])
  const sender = connectClient(cleanup, server.wsUrl, 'presence')
  const observer = connectClient(cleanup, server.wsUrl, 'presence')
  await Promise.all([synced(sender), synced(observer)])
  const seen = watch(observer, sender)
  const awareness = sender.provider.awareness
  const last = (): unknown => seen[seen.length - 1]
  const reach = (state: unknown, message: string) =>
    until(
      () => JSON.stringify(last()) === JSON.stringify(state),
      { alsoOn: [[observer.provider.awareness, 'change']] },
      message,
    )

  // Frames of one socket are handled in order: once a later valid state arrives, the
  // invalid one before it was judged, and must not have been relayed.
  awareness.setLocalState({ ...weftState('Ada'), user: { id: 'x', name: 42, color: '#000000' } })
  awareness.setLocalState({ user: { name: 'x'.repeat(10_000) } })
  awareness.setLocalState(weftState('Ada'))
  await reach(weftState('Ada'), 'valid Weft state relayed')

  const tiptap = { user: { name: 'Tiptap Bo', color: '#958df1' }, cursor: null }
  awareness.setLocalState(tiptap)
  await reach(tiptap, 'foreign state relayed')

  expect(seen.map((s) => JSON.stringify(s))).not.toContain(expect.stringContaining('x'.repeat(100)))
  expect(seen.some((s) => JSON.stringify(s).includes('"name":42'))).toBe(false)
  expect(await droppedCount(server.httpUrl, 'invalid-state')).toBe(2)
})
