/**
 * Scaling a cluster of processes 3 → 4 → 3 with rolling restarts while clients type in 200
 * documents: only documents whose owner changed move, nothing typed is lost, every pair of
 * clients converges, and in the end each document is stored on its owner only. Waits on log
 * events of the nodes, never on time. Runs the built CLI (`npm test` builds first).
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  linkedTo,
  membersOf,
  type NodeProcess,
  type PlannedNode,
  planNodes,
  spawnNode,
  storedDocs,
} from '../test-support/cluster-harness.js'
import {
  Cleanup,
  type Client,
  connectClient,
  converged,
  synced,
  until,
} from '../test-support/harness.js'
import { ownerOf } from './owner-of.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const HANDED_OVER = 'document handed over; local copy deleted'
const DOCS = 200

describe('scaling a cluster of processes', () => {
  it('moves only moved documents, 3 → 4 → 3 with rolling restarts, while clients type', async () => {
    const started = performance.now()
    const marks: string[] = []
    const mark = (label: string): void => {
      marks.push(`${Math.round(performance.now() - started)} ms: ${label}`)
    }
    const plan = await planNodes(cleanup, ['n1', 'n2', 'n3', 'n4'])
    const byId = new Map(plan.map((p) => [p.id, p]))
    const three = membersOf(plan.slice(0, 3))
    const four = membersOf(plan)
    const ids3 = three.map((n) => n.id)
    const ids4 = four.map((n) => n.id)

    const procs = new Map<string, NodeProcess>()
    /** Hand-offs completed by processes already stopped, per node id. */
    const pastGiven = new Map<string, number>()
    const givenBy = (id: string): number =>
      (pastGiven.get(id) ?? 0) +
      (procs.get(id)?.logs.filter((e) => e.msg === HANDED_OVER).length ?? 0)
    const totalGiven = (): number => ['n1', 'n2', 'n3', 'n4'].reduce((n, id) => n + givenBy(id), 0)
    const start = async (id: string, members: typeof four): Promise<NodeProcess> => {
      const proc = await spawnNode(cleanup, byId.get(id) as PlannedNode, members)
      procs.set(id, proc)
      return proc
    }
    const stop = async (id: string): Promise<void> => {
      const proc = procs.get(id) as NodeProcess
      pastGiven.set(id, givenBy(id))
      procs.delete(id)
      await proc.stop()
    }
    /** Restart `id` with `members`; resolves once it is linked to every running node. */
    const restart = async (id: string, members: typeof four): Promise<void> => {
      await stop(id)
      const proc = await start(id, members)
      await linkedTo(
        proc,
        [...procs.keys()].filter((other) => other !== id),
      )
    }
    const waitForGiven = (count: number, what: string): Promise<void> =>
      until(
        () => totalGiven() === count,
        { alsoOn: [...procs.values()].map((p) => [p.events, 'line'] as [typeof p.events, string]) },
        what,
        30_000,
      )

    for (const id of ids3) await start(id, three)
    await Promise.all(
      ids3.map((id) =>
        linkedTo(
          procs.get(id) as NodeProcess,
          ids3.filter((o) => o !== id),
        ),
      ),
    )

    // Two clients per document, on two different entry nodes (never on n4, which leaves).
    const docs = Array.from({ length: DOCS }, (_, i) => `doc-${i}`)
    const pairs = new Map<string, Client[]>(
      docs.map((doc, i) => [
        doc,
        [0, 1].map((k) => {
          const entry = byId.get(ids3[(i + k) % 3] as string) as PlannedNode
          return connectClient(cleanup, `ws://127.0.0.1:${entry.port}`, doc)
        }),
      ]),
    )
    await Promise.all([...pairs.values()].flat().map(synced))
    mark('3 nodes up, 400 clients synced')
    const typed = new Map<string, string[]>()
    let n = 0
    const typeOnce = (): void => {
      const doc = docs[n % DOCS] as string
      const client = (pairs.get(doc) as Client[])[Math.floor(n / DOCS) % 2] as Client
      const word = `w${n++}`
      client.doc.getText('t').insert(client.doc.getText('t').length, `${word} `)
      typed.set(doc, [...(typed.get(doc) ?? []), word])
    }
    for (let i = 0; i < DOCS; i++) typeOnce()
    const typing = setInterval(() => {
      for (let i = 0; i < 3; i++) typeOnce()
    }, 10)
    cleanup.add(() => clearInterval(typing))

    // 3 → 4: the new node joins; the others are then restarted one by one with the new list.
    const moved34 = docs.filter((d) => ownerOf(d, ids3) !== ownerOf(d, ids4))
    expect(moved34.every((d) => ownerOf(d, ids4) === 'n4')).toBe(true)
    const n4 = await start('n4', four)
    await linkedTo(n4, ids3)
    await waitForGiven(moved34.length, 'documents moved to n4')
    mark(`n4 joined, ${moved34.length} documents moved to it`)
    for (const id of ids3) {
      await restart(id, four)
      mark(`${id} restarted with 4 nodes`)
    }
    expect(totalGiven()).toBe(moved34.length) // Restarts with the new list move nothing more.

    // 4 → 3: every node restarts with the old list, the leaving node first; once no node
    // lists n4 any more, it hands its documents over, and is stopped.
    const moved43 = docs.filter((d) => ownerOf(d, ids4) === 'n4')
    await restart('n4', three)
    mark('n4 restarted as a leaving node')
    for (const id of ids3) {
      await restart(id, three)
      mark(`${id} restarted with 3 nodes`)
    }
    await waitForGiven(moved34.length + moved43.length, 'documents moved away from n4')
    mark(`${moved43.length} documents moved away from n4`)
    expect(givenBy('n4')).toBe(moved43.length)
    const settled = (await (
      await fetch(`${byId.get('n4')?.url}/cluster`, {
        headers: { authorization: 'Bearer test-admin-key-0123456789' },
      })
    ).json()) as { foreignDocuments: number; member: boolean }
    expect(settled).toMatchObject({ foreignDocuments: 0, member: false, inView: false })
    await stop('n4')

    // Stop typing; every pair converges and holds every word typed into its document.
    const last = n + 30
    await until(() => n >= last, { docs: [...pairs.values()].flat().map((c) => c.doc) })
    clearInterval(typing)
    for (const [doc, clients] of pairs) {
      await converged(
        clients.map((c) => c.doc),
        20_000,
      )
      const words = new Set((clients[0] as Client).doc.getText('t').toString().trim().split(' '))
      const missing = (typed.get(doc) ?? []).filter((w) => !words.has(w))
      expect(missing, doc).toEqual([])
    }
    mark(`${n} edits in ${DOCS} documents converged, nothing lost`)

    for (const c of [...pairs.values()].flat()) c.destroy()
    for (const id of [...procs.keys()]) await stop(id)
    for (const node of plan) {
      const expected = node.id === 'n4' ? [] : docs.filter((d) => ownerOf(d, ids3) === node.id)
      expect((await storedDocs(node.dataDir)).sort(), node.id).toEqual(expected.sort())
    }
    mark('every document stored on its owner only')
    console.info(marks.join('\n'))
    expect(performance.now() - started).toBeLessThan(60_000)
  })
})
