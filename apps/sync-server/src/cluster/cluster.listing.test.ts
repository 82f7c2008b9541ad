/**
 * `GET /api/docs` in a cluster: whichever node it reaches lists every node's documents, in
 * name order, each once (also one stored on two nodes while it moves), page by page; with a
 * node down it answers with the rest and says which node is missing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openLevelDbStore } from '../storage/leveldb-store.js'
import { compareUtf8 } from '../storage/memory-store.js'
import { docApi, type ListingJson, listDocs } from '../test-support/cluster-api.js'
import { linked, membersOf, nodeConfig, planNodes } from '../test-support/cluster-harness.js'
import { Cleanup, type RunningServer, startServer, until } from '../test-support/harness.js'
import { ownerOf } from './owner-of.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const IDS = ['n1', 'n2', 'n3']

/** Every page of the listing from `server`, `limit` at a time. */
async function allPages(server: RunningServer, limit: number): Promise<ListingJson[]> {
  const pages: ListingJson[] = []
  let after: string | undefined
  do {
    const page = await listDocs(server.httpUrl, after === undefined ? { limit } : { after, limit })
    pages.push(page)
    after = page.next
  } while (after !== undefined && pages.length < 100)
  return pages
}

describe('listing documents in a cluster', () => {
  it('lists every node’s documents once, in name order, page by page, from any node', async () => {
    const plan = await planNodes(cleanup, IDS)
    // A copy n1 holds of a document n2 owns (as after a hand-off whose commit was lost): it
    // is stored on two nodes until it has moved, which may or may not be before it is listed.
    let shared = 'shared-0'
    for (let i = 1; ownerOf(shared, IDS) !== 'n2'; i++) shared = `shared-${i}`
    const seed = await openLevelDbStore({ dir: plan[0]?.dataDir as string, fsync: false })
    const copy = new Y.Doc()
    copy.getText('t').insert(0, 'from an old owner')
    await seed.append(shared, [Y.encodeStateAsUpdate(copy)])
    copy.destroy()
    await seed.close()
    const servers = await Promise.all(
      plan.map((p) => startServer(cleanup, nodeConfig(p, membersOf(plan)))),
    )
    await linked(servers)

    const names = [
      ...Array.from({ length: 24 }, (_, i) => `doc-${String(i).padStart(2, '0')}`),
      'Zeta',
      'éclair',
      'team/notes',
      shared,
    ]
    for (const [i, name] of names.entries()) {
      const via = servers[i % servers.length] as RunningServer
      expect((await docApi(via.httpUrl, name).put(`content of ${name}`)).status).toBe(200)
    }
    const owners = new Set(names.map((n) => ownerOf(n, IDS)))
    expect(owners.size).toBe(3) // every node stores some
    const expected = [...names].sort(compareUtf8)

    for (const server of servers) {
      const pages = await allPages(server, 5)
      const listed = pages.flatMap((p) => p.docs.map((d) => d.name))
      expect(listed).toEqual(expected)
      for (const page of pages.slice(0, -1)) expect(page.docs).toHaveLength(5)
      for (const page of pages) {
        expect(page).toMatchObject({ incomplete: false, unreachableNodes: [] })
      }
      for (const doc of pages.flatMap((p) => p.docs)) expect(doc.size).toBeGreaterThan(0)
    }
    const whole = await listDocs(servers[2]?.httpUrl as string, { limit: 1000 })
    expect(whole.next).toBeUndefined()
    expect(whole.docs.map((d) => d.name)).toEqual(expected)

    // n3 goes down: the others list what they have and say n3 is missing.
    const [n1, n2, n3] = servers as [RunningServer, RunningServer, RunningServer]
    await n3.server.close()
    await until(
      () => n1.server.cluster.membership.unreachable().includes('n3'),
      { alsoOn: [[n1.server.cluster.events, 'change']] },
      'n1 sees n3 down',
    )
    const partial = (await allPages(n1, 4)).flatMap((p) => {
      expect(p).toMatchObject({ incomplete: true, unreachableNodes: ['n3'] })
      return p.docs.map((d) => d.name)
    })
    expect(partial).toEqual(expected.filter((n) => ownerOf(n, IDS) !== 'n3'))
    expect(n2.server.cluster.status().node).toBe('n2')
  })

  it('keeps the single-node listing as it was', async () => {
    const server = await startServer(cleanup, { adminKey: 'test-admin-key-0123456789' })
    expect((await docApi(server.httpUrl, 'alone').put('x')).status).toBe(200)
    expect(await listDocs(server.httpUrl)).toEqual({
      docs: [{ name: 'alone', size: expect.any(Number), lastModified: expect.any(String) }],
    })
  })
})
