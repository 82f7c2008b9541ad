/**
 * Measures what permessage-deflate costs per socket: starts the real `weft-server` (built
 * CLI) with and without `--per-message-deflate`, opens N idle y-websocket clients that are
 * synced to a document, and reads the server's own memory metrics before and after.
 *
 *   npm run build && npm run measure:deflate -w @weft/sync-server -- [sockets] [docKiB]
 *
 * Prints one line per run and the difference per socket; results are in docs/OPERATIONS.md.
 * Clients announce no presence (N clients greeting each other would be N² frames).
 */
import type { WebSocket } from 'ws'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { Cleanup, connectClient, spawnServer, synced } from '../test-support/harness.js'
import { sampleValue, scrape } from '../test-support/prometheus-text.js'

// Every y-websocket provider adds a process "exit" listener.
process.setMaxListeners(0)

const sockets = Number(process.argv[2] ?? 500)
const docKiB = Number(process.argv[3] ?? 16)

interface Memory {
  rss: number
  heap: number
  external: number
}

async function memory(httpUrl: string): Promise<Memory> {
  const s = await scrape(httpUrl)
  return {
    rss: sampleValue(s, 'weft_process_resident_memory_bytes'),
    heap: sampleValue(s, 'weft_nodejs_heap_size_used_bytes'),
    external: sampleValue(s, 'weft_nodejs_external_memory_bytes'),
  }
}

async function run(deflate: boolean): Promise<{ perSocket: Memory; negotiated: number }> {
  const cleanup = new Cleanup()
  try {
    const args = ['--storage', 'memory', '--max-connections-per-ip', '1000000']
    if (deflate) args.push('--per-message-deflate')
    const server = await spawnServer(cleanup, args)
    // Seed the document, so every client is sent (and keeps) a sync of docKiB.
    const seeder = connectClient(cleanup, server.wsUrl, 'measured')
    await synced(seeder)
    const text = seeder.doc.getText('t')
    for (let i = 0; i < docKiB; i++) text.insert(text.length, `${i % 10}`.repeat(1024))
    seeder.destroy()
    // Warm-up: the first sockets pay for code paths that are loaded once.
    const warm = await open(server.wsUrl, 20)
    for (const c of warm) c.destroy()
    const before = await settled(server.httpUrl)
    const clients = await open(server.wsUrl, sockets)
    const after = await settled(server.httpUrl)
    const negotiated = clients.filter((c) =>
      (c.provider.ws as unknown as WebSocket | null)?.extensions.includes('permessage-deflate'),
    ).length
    for (const c of clients) c.destroy()
    const per = (k: keyof Memory) => (after[k] - before[k]) / sockets
    return {
      perSocket: { rss: per('rss'), heap: per('heap'), external: per('external') },
      negotiated,
    }
  } finally {
    await cleanup.run()
  }
}

/** Open `count` synced clients, 50 at a time. */
async function open(wsUrl: string, count: number) {
  const cleanup = new Cleanup()
  const clients: { provider: WebsocketProvider; destroy(): void }[] = []
  for (let i = 0; i < count; i += 50) {
    const wave = Array.from({ length: Math.min(50, count - i) }, () => {
      // No presence: N clients announcing themselves to each other is N² frames, and the
      // presence table's cost is not what is measured here.
      const client = connectClient(cleanup, wsUrl, 'measured', { doc: new Y.Doc(), connect: false })
      client.provider.awareness.setLocalState(null)
      client.provider.connect()
      return client
    })
    await Promise.all(wave.map(synced))
    clients.push(...wave)
  }
  return clients
}

/** Memory once two readings a moment apart agree within 2 % (the heap has settled). */
async function settled(httpUrl: string): Promise<Memory> {
  let previous = await memory(httpUrl)
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const current = await memory(httpUrl)
    if (Math.abs(current.rss - previous.rss) < previous.rss * 0.02) return current
    previous = current
  }
  return previous
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`

// Bounded: a run that does not finish in 5 minutes stops with an error.
const deadline = setTimeout(() => {
  console.error('deflate-memory: did not finish within 5 minutes')
  process.exit(1)
}, 300_000)

const results = []
for (const deflate of [false, true]) {
  const { perSocket, negotiated } = await run(deflate)
  results.push(perSocket)
  console.log(
    `per-message-deflate ${deflate ? 'on ' : 'off'}: ${sockets} sockets (${negotiated} compressed), ` +
      `document ${docKiB} KiB — per socket: RSS ${kib(perSocket.rss)}, heap ${kib(perSocket.heap)}, external ${kib(perSocket.external)}`,
  )
}
const [off, on] = results as [Memory, Memory]
console.log(
  `cost of compression per socket: RSS ${kib(on.rss - off.rss)}, heap ${kib(on.heap - off.heap)}, external ${kib(on.external - off.external)}`,
)
clearTimeout(deadline)
process.exit(0)
