/**
 * Hand-off in process: a node joins a running cluster while clients type; only documents
 * whose owner changed move, every edit survives, and each document ends on its owner only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  linked,
  membersOf,
  nodeConfig,
  planNodes,
  storedDocs,
} from '../test-support/cluster-harness.js'
import {
  Cleanup,
  type Client,
  connectClient,
  converged,
  type RunningServer,
  startServer,
  synced,
  until,
} from '../test-support/harness.js'
import { ownerOf } from './owner-of.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** Clients that type unique words; `check` proves each doc holds every word typed into it. */
function typists(pairs: Map<string, Client[]>) {
  const typed = new Map<string, string[]>()
  let n = 0
  const typeOnce = (): void => {
    const docs = [...pairs.keys()]
    const doc = docs[n % docs.length] as string
    const clients = pairs.get(doc) as Client[]
    const client = clients[Math.floor(n / docs.length) % clients.length] as Client
    const word = `w${n++}`
    const text = client.doc.getText('t')
    text.insert(text.length, `${word} `)
    typed.set(doc, [...(typed.get(doc) ?? []), word])
  }
  return {
    typeOnce,
    get count() {
      return n
    },
    async check(): Promise<void> {
      for (const [doc, clients] of pairs) {
        await converged(
          clients.map((c) => c.doc),
          20_000,
        )
        const words = new Set(clients[0]?.doc.getText('t').toString().trim().split(' '))
        for (const word of typed.get(doc) ?? [])
          expect(words.has(word), `${doc}: ${word}`).toBe(true)
      }
    },
  }
}

describe('hand-off when a node joins', () => {
  it('moves only documents the new node owns, while clients type, losing nothing', async () => {
    const nodes = await planNodes(cleanup, ['n1', 'n2', 'n3'])
    const two = membersOf(nodes.slice(0, 2))
    const three = membersOf(nodes)
    const [p1, p2, p3] = nodes
    if (p1 === undefined || p2 === undefined || p3 === undefined) throw new Error('no nodes')
    const n1 = await startServer(cleanup, nodeConfig(p1, two))
    const n2 = await startServer(cleanup, nodeConfig(p2, two))
    await linked([n1, n2])

    const docs = Array.from({ length: 40 }, (_, i) => `doc-${i}`)
    const pairs = new Map(
      docs.map((doc) => [
        doc,
        [connectClient(cleanup, n1.wsUrl, doc), connectClient(cleanup, n2.wsUrl, doc)],
      ]),
    )
    await Promise.all([...pairs.values()].flat().map(synced))
    const typing = typists(pairs)
    for (let i = 0; i < docs.length * 2; i++) typing.typeOnce()

    const moved = docs.filter((d) => ownerOf(d, ['n1', 'n2']) !== ownerOf(d, ['n1', 'n2', 'n3']))
    expect(moved.length).toBeGreaterThan(5)
    let given = 0
    const counting = (s: RunningServer) =>
      s.server.cluster.events.on('handoff', (event) => {
        if (event.kind === 'given') given++
      })
    counting(n1)
    counting(n2)
    const keepTyping = setInterval(typing.typeOnce, 2)
    cleanup.add(() => clearInterval(keepTyping))

    const n3 = await startServer(cleanup, nodeConfig(p3, three))
    await linked([n1, n2, n3])
    await until(
      () => given === moved.length,
      {
        alsoOn: [
          [n1.server.cluster.events, 'handoff'],
          [n2.server.cluster.events, 'handoff'],
        ],
      },
      'every moved document handed over',
      30_000,
    )
    // Some more typing after the move, then stop and check.
    const after = typing.count + 100
    await until(() => typing.count >= after, { docs: [...pairs.values()].flat().map((c) => c.doc) })
    clearInterval(keepTyping)
    await typing.check()
    expect(given).toBe(moved.length)
    for (const s of [n1, n2, n3]) expect(s.server.cluster.status().foreignDocuments).toBe(0)
    expect(n3.server.cluster.status().handoffs.given).toBe(0)

    for (const c of [...pairs.values()].flat()) c.destroy()
    await Promise.all([n1, n2, n3].map((s) => s.server.close()))
    for (const node of nodes) {
      const expected = docs.filter((d) => ownerOf(d, ['n1', 'n2', 'n3']) === node.id).sort()
      expect((await storedDocs(node.dataDir)).sort(), node.id).toEqual(expected)
    }
  })

  it('never lets the new owner serve a document before it has the old owner’s copy', async () => {
    const nodes = await planNodes(cleanup, ['n1', 'n2', 'n3'])
    const [p1, p2, p3] = nodes
    if (p1 === undefined || p2 === undefined || p3 === undefined) throw new Error('no nodes')
    const two = membersOf([p1, p2])
    const n1 = await startServer(cleanup, nodeConfig(p1, two))
    const n2 = await startServer(cleanup, nodeConfig(p2, two))
    await linked([n1, n2])
    // Documents that move to n3 when it joins, written while n1 or n2 owned them.
    const moving = Array.from({ length: 200 }, (_, i) => `move-${i}`)
      .filter((d) => ownerOf(d, ['n1', 'n2', 'n3']) === 'n3')
      .slice(0, 10)
    for (const doc of moving) {
      const writer = connectClient(cleanup, n1.wsUrl, doc)
      await synced(writer)
      writer.doc.getText('t').insert(0, `content of ${doc}`)
      const check = connectClient(cleanup, n2.wsUrl, doc)
      await synced(check)
      await converged([writer.doc, check.doc])
      writer.destroy()
      check.destroy()
    }
    // n3 joins; clients go straight to it, racing the hand-off.
    const n3 = await startServer(cleanup, nodeConfig(p3, membersOf(nodes)))
    await linked([n1, n2, n3])
    const readers = moving.map((doc) => connectClient(cleanup, n3.wsUrl, doc))
    await Promise.all(
      readers.map(
        (reader, i) =>
          new Promise<void>((resolve, reject) => {
            reader.provider.once('sync', () => {
              // The first state the new owner served already has the content.
              const text = reader.doc.getText('t').toString()
              if (text === `content of ${moving[i]}`) resolve()
              else reject(new Error(`${moving[i]} was served as ${JSON.stringify(text)}`))
            })
          }),
      ),
    )
  })
})
