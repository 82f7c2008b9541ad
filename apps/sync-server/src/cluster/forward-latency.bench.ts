/**
 * The extra latency of a forwarded socket. Two nodes run as processes (the built CLI) on
 * loopback; the y-websocket clients run here. For each path, a writer makes one edit at a time
 * and the time until a reader has it is measured (persist before relay included, so the
 * difference is the forwarding), plus the time from opening a socket to synced.
 *
 *   npm run build -w @weft/sync-server
 *   npx tsx apps/sync-server/src/cluster/forward-latency.bench.ts [edits=2000]
 */

import { linkedTo, membersOf, planNodes, spawnNode } from '../test-support/cluster-harness.js'
import { Cleanup, type Client, connectClient, synced } from '../test-support/harness.js'
import { ownerOf } from './owner-of.js'

const EDITS = Number(process.argv[2] ?? 2000)
const CONNECTS = 200

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
const summary = (samples: number[]): string => {
  const sorted = [...samples].sort((a, b) => a - b)
  const f = (n: number) => n.toFixed(3)
  return `p50 ${f(percentile(sorted, 50))} ms  p99 ${f(percentile(sorted, 99))} ms  (n=${sorted.length})`
}

/** Milliseconds from each edit on `writer` until `reader` has it, one edit at a time. */
async function editLatencies(writer: Client, reader: Client, count: number): Promise<number[]> {
  const text = writer.doc.getText('t')
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('an edit did not arrive in 10 s')), 10_000)
      reader.doc.once('update', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    const sent = performance.now()
    text.insert(text.length, 'x')
    await arrived
    samples.push(performance.now() - sent)
  }
  return samples
}

async function connectLatencies(cleanup: Cleanup, url: string, doc: string): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < CONNECTS; i++) {
    const started = performance.now()
    const client = connectClient(cleanup, url, doc)
    await synced(client)
    samples.push(performance.now() - started)
    client.destroy()
  }
  return samples
}

async function main(): Promise<void> {
  const cleanup = new Cleanup()
  try {
    const nodes = await planNodes(cleanup, ['owner', 'entry'])
    const members = membersOf(nodes)
    // One client sends far more than a person types: lift the per-socket rate limit.
    const unlimited = ['--max-messages-per-second', '1000000', '--message-burst', '1000000']
    const [owner, entry] = await Promise.all(
      nodes.map((n) => spawnNode(cleanup, n, members, unlimited)),
    )
    if (owner === undefined || entry === undefined) throw new Error('no nodes')
    await Promise.all([linkedTo(owner, ['entry']), linkedTo(entry, ['owner'])])
    let doc = ''
    for (let i = 0; doc === ''; i++)
      if (ownerOf(`bench-${i}`, ['owner', 'entry']) === 'owner') doc = `bench-${i}`

    const paths: [string, string, string][] = [
      ['direct (writer and reader on the owner)', owner.wsUrl, owner.wsUrl],
      ['one side forwarded (writer via the other node)', entry.wsUrl, owner.wsUrl],
      ['both sides forwarded', entry.wsUrl, entry.wsUrl],
    ]
    const lines: string[] = [`edit → other client, ${EDITS} sequential edits per path:`]
    for (const [label, writerUrl, readerUrl] of paths) {
      const writer = connectClient(cleanup, writerUrl, doc)
      const reader = connectClient(cleanup, readerUrl, doc)
      await Promise.all([synced(writer), synced(reader)])
      await editLatencies(writer, reader, 200) // Warm up.
      lines.push(`  ${label.padEnd(50)} ${summary(await editLatencies(writer, reader, EDITS))}`)
      writer.destroy()
      reader.destroy()
    }
    lines.push(`open → synced, ${CONNECTS} sockets per path:`)
    lines.push(
      `  ${'direct'.padEnd(50)} ${summary(await connectLatencies(cleanup, owner.wsUrl, doc))}`,
    )
    lines.push(
      `  ${'forwarded'.padEnd(50)} ${summary(await connectLatencies(cleanup, entry.wsUrl, doc))}`,
    )
    console.log(lines.join('\n'))
  } finally {
    await cleanup.run()
  }
}

await main()
