/**
 * What moves with a document besides its content: its versions (labelled and automatic,
 * contents unchanged, never duplicated when a copy is taken twice) and its tombstone (the new
 * owner goes on refusing stale clients with 4410; an expired tombstone is dropped, not moved).
 * In-process nodes on loopback, each with its own LevelDB; time from a shared manual clock;
 * waits on hand-off events, never on time.
 */
import { cp } from 'node:fs/promises'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import type { ServerConfig } from '../config/options.js'
import { CloseCode } from '../protocol/close-codes.js'
import { openLevelDbStore } from '../storage/leveldb-store.js'
import { counterValue, docApi, listDocs, type VersionJson } from '../test-support/cluster-api.js'
import {
  CLUSTER_SECRET,
  linked,
  membersOf,
  nodeConfig,
  type PlannedNode,
  planNodes,
} from '../test-support/cluster-harness.js'
import { contentUpdate, docJson, textOf } from '../test-support/content.js'
import {
  Cleanup,
  connectClient,
  createManualClock,
  type ManualClock,
  type Observable,
  type RunningServer,
  startServer,
  synced,
  tempDir,
  until,
} from '../test-support/harness.js'
import {
  decodeLinkMessage,
  encodeLinkMessage,
  type LinkMessage,
  type LinkRequest,
  type LinkResponse,
} from './link-codec.js'
import { createNodeAuth, NODE_AUTH_HEADER } from './node-auth.js'
import { ownerOf } from './owner-of.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const TWO = ['n1', 'n2']
const THREE = ['n1', 'n2', 'n3']

/** Names with `prefix` that n1 or n2 own among two nodes and n3 owns among three. */
function movingDocs(prefix: string, count: number): string[] {
  const names: string[] = []
  for (let i = 0; names.length < count; i++) {
    if (ownerOf(`${prefix}-${i}`, THREE) === 'n3') names.push(`${prefix}-${i}`)
  }
  return names
}

/** n1 and n2 as a cluster of two (n3 planned), sharing `clock`. */
async function twoOfThree(clock: ManualClock | null, overrides: Partial<ServerConfig> = {}) {
  const plan = await planNodes(cleanup, THREE)
  const [p1, p2, p3] = plan as [PlannedNode, PlannedNode, PlannedNode]
  const deps = clock === null ? {} : { clock }
  const start = (p: PlannedNode, ids: readonly string[], dataDir = p.dataDir) =>
    startServer(
      cleanup,
      nodeConfig({ ...p, dataDir }, membersOf(plan.filter((n) => ids.includes(n.id))), overrides),
      deps,
    )
  const n1 = await start(p1, TWO)
  const n2 = await start(p2, TWO)
  await linked([n1, n2])
  return { plan, p3, n1, n2, start }
}

/** Resolves once `server` has handed `doc` over (deleted its copy after a commit). */
function handedOver(server: RunningServer, doc: string): Promise<void> {
  let done = false
  server.server.cluster.events.on('handoff', (event) => {
    if (event.kind === 'given' && event.doc === doc) done = true
  })
  return until(() => done, { alsoOn: [[server.server.cluster.events, 'handoff']] }, `${doc} given`)
}

/** What a node's closed data dir still holds of `doc`. */
async function leftOf(dataDir: string, doc: string) {
  const store = await openLevelDbStore({ dir: dataDir, fsync: false })
  try {
    const stored = await store.load(doc)
    return {
      updates: stored.updates.length,
      versions: (await store.listVersions(doc)).length,
      tombstones: (await store.listTombstones()).tombstones.map((t) => t.name),
    }
  } finally {
    await store.close()
  }
}

const metadata = (v: VersionJson) => ({
  createdAt: v.createdAt,
  label: v.label,
  kind: v.kind,
  size: v.size,
})

describe('hand-off of a document’s history', () => {
  it('moves labelled and automatic versions with the document on scale-up, contents unchanged', async () => {
    const clock = createManualClock(Date.UTC(2025, 5, 1))
    const { p3, n1, n2, plan } = await twoOfThree(clock, { versionIntervalMs: 60_000 })
    const [doc] = movingDocs('history', 1) as [string]
    const before = ownerOf(doc, TWO) === 'n1' ? n1 : n2
    const api = docApi(n1.httpUrl, doc)
    expect((await api.put('First draft')).status).toBe(200)
    expect((await api.save('Draft one')).status).toBe(201)
    expect((await api.put('Second draft')).status).toBe(200)
    await clock.advance(60_000) // the automatic version falls due
    expect((await api.save('Sent for review')).status).toBe(201)
    // Edited since the last version: unloading the room for the hand-off takes one more.
    expect((await api.put('Third draft')).status).toBe(200)
    const versions = await api.versions()
    expect(versions.map((v) => [v.label, v.kind])).toEqual([
      ['Sent for review', 'manual'],
      [null, 'auto'],
      ['Draft one', 'manual'],
    ])
    const contents = await Promise.all(versions.map((v) => api.versionBytes(v.id)))

    const given = handedOver(before, doc)
    await clock.advance(1000)
    const n3 = await startServer(cleanup, nodeConfig(p3, membersOf(plan)), { clock })
    await linked([n1, n2, n3])
    await given

    // Through any node: the REST API is served by the new owner.
    const moved = await docApi(n1.httpUrl, doc).versions()
    expect(moved).toHaveLength(4)
    const [newest, ...older] = moved as [VersionJson, ...VersionJson[]]
    expect(newest).toMatchObject({ label: null, kind: 'auto' })
    expect(new Date(newest.createdAt).getTime()).toBeGreaterThan(
      new Date(versions[0]?.createdAt ?? '').getTime(),
    )
    expect(await docApi(n3.httpUrl, doc).versionText(newest.id)).toBe('Third draft')
    expect(older.map(metadata)).toEqual(versions.map(metadata))
    for (const [i, version] of older.entries()) {
      expect(await docApi(n2.httpUrl, doc).versionBytes(version.id)).toEqual(contents[i])
    }
    expect(await (await docApi(n3.httpUrl, doc).get('text')).text()).toBe('Third draft')

    await Promise.all([n1, n2, n3].map((s) => s.server.close()))
    expect(await leftOf(before.config.dataDir, doc)).toEqual({
      updates: 0,
      versions: 0,
      tombstones: [],
    })
    expect(await leftOf(p3.dataDir, doc)).toMatchObject({ versions: 4 })
  })

  it('does not duplicate versions when the same copy is taken again (lost commit, late offer)', async () => {
    const { p3, n1, n2, plan, start } = await twoOfThree(null)
    const [doc] = movingDocs('twice', 1) as [string]
    const api = docApi(n1.httpUrl, doc)
    expect((await api.put('one')).status).toBe(200)
    expect((await api.save('first')).status).toBe(201)
    expect((await api.put('two')).status).toBe(200)
    expect((await api.save('second')).status).toBe(201)
    const holderId = ownerOf(doc, TWO)
    const holderPlan = plan.find((p) => p.id === holderId) as PlannedNode
    let holder = holderId === 'n1' ? n1 : n2
    // A copy of the holder's disk from before the hand-off: restarting from it is a holder
    // whose commit never arrived.
    await holder.server.close()
    const backup = await tempDir(cleanup)
    await cp(holderPlan.dataDir, backup, { recursive: true })
    holder = await start(holderPlan, THREE)
    const other = holderId === 'n1' ? n2 : n1

    let given = handedOver(holder, doc)
    const n3 = await startServer(cleanup, nodeConfig(p3, membersOf(plan)))
    await linked([holder, other, n3])
    await given
    const moved = await docApi(n3.httpUrl, doc).versions()
    expect(moved.map((v) => [v.id, v.label])).toEqual([
      [2, 'second'],
      [1, 'first'],
    ])

    /** Restart the holder from the old disk; resolves once it has handed the copy over again. */
    const replay = async (): Promise<void> => {
      await holder.server.close()
      const dataDir = await tempDir(cleanup)
      await cp(backup, dataDir, { recursive: true })
      holder = await start(holderPlan, THREE, dataDir)
      given = handedOver(holder, doc)
      await linked([holder, other, n3])
      await given
    }
    // The room is not loaded on n3: the copy is gathered into storage as the room loads.
    await replay()
    expect(await docApi(n3.httpUrl, doc).versions()).toEqual(moved)
    expect(await counterValue(n3, 'handoffVersions', { result: 'duplicate' })).toBe(2)
    // Loaded, with a client in it: the copy is merged into the live room.
    const client = connectClient(cleanup, n3.wsUrl, doc)
    await synced(client)
    await replay()
    expect(await docApi(n3.httpUrl, doc).versions()).toEqual(moved)
    expect(await counterValue(n3, 'handoffVersions', { result: 'duplicate' })).toBe(4)
    expect(await counterValue(n3, 'handoffVersions', { result: 'stored' })).toBe(2)
    expect(textOf(client.doc)).toBe('two')
  })
})

describe('hand-off of a history larger than a link frame', () => {
  it('keeps a version too large for a node link on the old node, and moves the rest', async () => {
    const { p3, n1, n2, plan } = await twoOfThree(null)
    const [doc] = movingDocs('large', 1) as [string]
    const api = docApi(n1.httpUrl, doc)
    expect((await api.put('x'.repeat(200_000))).status).toBe(200)
    expect((await api.save('big')).status).toBe(201)
    expect((await api.save('big again')).status).toBe(201)
    expect((await api.put('small now')).status).toBe(200)
    expect((await api.save('small')).status).toBe(201)
    // The limits were lowered since (every node of the new view has the new ones): the big
    // versions no longer fit in one link frame, the document and the small version do.
    const small = { maxFrameBytes: 16 * 1024, maxDocBytes: 32 * 1024, maxBufferedBytes: 64 * 1024 }
    const holderPlan = plan.find((p) => p.id === ownerOf(doc, TWO)) as PlannedNode
    const [before, other] = holderPlan.id === 'n1' ? [n1, n2] : [n2, n1]
    await before.server.close()
    const holder = await startServer(cleanup, nodeConfig(holderPlan, membersOf(plan), small))
    let taken = false
    const n3 = await startServer(cleanup, nodeConfig(p3, membersOf(plan), small))
    n3.server.cluster.events.on('handoff', (event) => {
      if (event.kind === 'taken' && event.doc === doc) taken = true
    })
    await linked([holder, other, n3])
    await until(() => taken, { alsoOn: [[n3.server.cluster.events, 'handoff']] }, 'taken')

    expect(await (await docApi(n3.httpUrl, doc).get('text')).text()).toBe('small now')
    expect((await docApi(n3.httpUrl, doc).versions()).map((v) => v.label)).toEqual(['small'])
    expect(await counterValue(n3, 'handoffVersions', { result: 'failed' })).toBe(2)
    // Not committed: the old node keeps everything, big versions included, and offers it again.
    expect(holder.server.cluster.status().foreignDocuments).toBe(1)
    expect(holder.server.cluster.membership.isReachable('n3')).toBe(true)
    await Promise.all([holder, other, n3].map((s) => s.server.close()))
    expect(await leftOf(holderPlan.dataDir, doc)).toMatchObject({ versions: 3 })
  })
})

describe('hand-off of a deleted document', () => {
  it('keeps refusing stale clients with 4410 after its owner changed; drops an expired tombstone', async () => {
    const clock = createManualClock(Date.UTC(2025, 5, 1))
    const hour = 3_600_000
    const { p3, n1, n2, plan } = await twoOfThree(clock, { tombstoneTtlMs: hour })
    const [deleted, expired] = movingDocs('deleted', 2) as [string, string]
    for (const doc of [deleted, expired]) {
      expect((await docApi(n1.httpUrl, doc).put(`content of ${doc}`)).status).toBe(200)
    }
    expect((await docApi(n2.httpUrl, expired).remove()).status).toBe(204)
    await clock.advance(2 * hour)
    expect((await docApi(n2.httpUrl, deleted).remove()).status).toBe(204)
    const holders = [n1, n2]
    const holderOf = (doc: string) => (ownerOf(doc, TWO) === 'n1' ? n1 : n2)

    const given = handedOver(holderOf(deleted), deleted)
    const n3 = await startServer(
      cleanup,
      nodeConfig(p3, membersOf(plan), { tombstoneTtlMs: hour }),
      {
        clock,
      },
    )
    await linked([n1, n2, n3])
    await given
    // Both old nodes scanned the new view and hold nothing that is not theirs.
    await until(
      () =>
        holders.every((s) => {
          const status = s.server.cluster.status()
          return status.settled && status.nodes.some((n) => n.id === 'n3')
        }),
      {
        alsoOn: holders.flatMap((s): [Observable, string][] => [
          [s.server.cluster.events, 'handoff'],
          [s.server.cluster.events, 'change'],
        ]),
      },
      'old nodes settled',
    )
    for (const s of holders) expect(s.server.cluster.status().foreignDocuments).toBe(0)

    // A client still holding the content, through any node: refused by the new owner.
    for (const s of [n1, n3]) {
      const ws = new WebSocket(`${s.wsUrl}/${deleted}`)
      cleanup.add(() => ws.terminate())
      expect(await new Promise((resolve) => ws.on('close', resolve))).toBe(
        CloseCode.documentDeleted,
      )
    }
    expect((await docApi(n2.httpUrl, deleted).get()).status).toBe(410)
    const stale = new Y.Doc()
    Y.applyUpdate(stale, contentUpdate(docJson(`content of ${expired}`)))
    const back = connectClient(cleanup, n1.wsUrl, expired, { doc: stale })
    await synced(back)

    await Promise.all([n1, n2, n3].map((s) => s.server.close()))
    for (const s of holders) {
      expect((await leftOf(s.config.dataDir, deleted)).tombstones).toEqual([])
    }
    expect(await leftOf(p3.dataDir, deleted)).toEqual({
      updates: 0,
      versions: 0,
      tombstones: [deleted],
    })
  })
})

/** A node played by a raw link to `server`: it says hello, asks, and answers with `answer`. */
async function rawPeer(
  server: RunningServer,
  id: string,
  members: readonly PlannedNode[],
  options: {
    /** Omitted: a hello of revision 1 (no `protocol`). */
    protocol?: number
    answer?: (request: LinkRequest) => LinkResponse | null
  } = {},
) {
  const token = await createNodeAuth(CLUSTER_SECRET).sign({ kind: 'link', from: id }, 'n1')
  const link = new WebSocket(`${server.wsUrl}/.weft/link`, {
    headers: { [NODE_AUTH_HEADER]: token },
  })
  cleanup.add(() => link.terminate())
  const answers = new Map<number, (message: LinkMessage) => void>()
  const requests: LinkRequest[] = []
  const closed = new Promise<number>((resolve) => link.on('close', resolve))
  link.on('message', (data: Buffer) => {
    const message = decodeLinkMessage(data)
    if (message.type === 'response' || message.type === 'error') {
      answers.get(message.id)?.(message)
    } else if (message.type === 'request') {
      requests.push(message.request)
      const response = options.answer?.(message.request) ?? null
      if (response !== null)
        link.send(encodeLinkMessage({ type: 'response', id: message.id, response }))
    }
  })
  await new Promise((resolve) => link.once('open', resolve))
  const hello = encoding.createEncoder()
  const announced = membersOf(members)
  encoding.writeVarString(
    hello,
    JSON.stringify(
      options.protocol === undefined
        ? { type: 'hello', node: id, members: announced }
        : { type: 'hello', node: id, members: announced, protocol: options.protocol },
    ),
  )
  encoding.writeVarUint8Array(hello, new Uint8Array(0))
  link.send(encoding.toUint8Array(hello))
  await until(
    () => server.server.cluster.membership.isReachable(id),
    { alsoOn: [[server.server.cluster.events, 'change']] },
    `linked with ${id}`,
  )
  let nextId = 1
  return {
    requests,
    closed,
    ask(request: LinkRequest): Promise<LinkMessage> {
      const requestId = nextId++
      const answered = new Promise<LinkMessage>((resolve) => answers.set(requestId, resolve))
      link.send(encodeLinkMessage({ type: 'request', id: requestId, request }))
      return answered
    },
    close: () => link.terminate(),
  }
}

describe('nodes of an older release', () => {
  it('keeps the history of a copy an older node took, and names it in listings', async () => {
    // n1 stores a document with a version; then the cluster gets a node "old" of the first
    // release of the link messages (played here by a raw link), which owns the document.
    const [p1, pOld] = await planNodes(cleanup, ['n1', 'old'])
    if (p1 === undefined || pOld === undefined) throw new Error('no nodes')
    const alone = await startServer(cleanup, nodeConfig(p1, membersOf([p1])))
    let doc = 'legacy-0'
    for (let i = 1; ownerOf(doc, ['n1', 'old']) !== 'old'; i++) doc = `legacy-${i}`
    expect((await docApi(alone.httpUrl, doc).put('kept')).status).toBe(200)
    expect((await docApi(alone.httpUrl, doc).save('history')).status).toBe(201)
    await alone.server.close()
    const n1 = await startServer(cleanup, nodeConfig(p1, membersOf([p1, pOld])))
    const old = await rawPeer(n1, 'old', [p1, pOld], {
      answer: (r) => (r.op === 'offer' ? { op: 'offer', result: 'absorbed' } : null),
    })

    const take = await old.ask({ op: 'take', doc })
    if (take.type !== 'response' || take.response.op !== 'take') throw new Error('no take')
    expect(take.response).toMatchObject({ result: 'state', versions: [1] })
    if (take.response.result !== 'state') throw new Error('no state')
    // The old node stored the content and commits: n1 keeps the version it could not take.
    const commit = await old.ask({ op: 'commit', doc, token: take.response.token })
    expect(commit).toMatchObject({ type: 'response', response: { op: 'commit', deleted: false } })
    expect(n1.server.cluster.status().foreignDocuments).toBe(1)
    // It cannot list: a listing says its documents may be missing.
    const listing = await listDocs(n1.httpUrl)
    expect(listing).toMatchObject({ incomplete: true, unreachableNodes: ['old'] })

    old.close()
    await n1.server.close()
    expect(await leftOf(p1.dataDir, doc)).toMatchObject({ versions: 1 })
  })
})

describe('node link frames', () => {
  it('takes a copy larger than --max-frame-bytes over a link the holder opened', async () => {
    // The holder dialled; n1 cannot dial it: the answer arrives on the link n1 accepted.
    const [p1, pHolder] = await planNodes(cleanup, ['n1', 'holder'])
    if (p1 === undefined || pHolder === undefined) throw new Error('no nodes')
    const limits = {
      maxFrameBytes: 16 * 1024,
      maxDocBytes: 512 * 1024,
      maxBufferedBytes: 1024 * 1024,
    }
    const n1 = await startServer(cleanup, nodeConfig(p1, membersOf([p1, pHolder]), limits))
    let doc = 'big-0'
    for (let i = 1; ownerOf(doc, ['n1', 'holder']) !== 'n1'; i++) doc = `big-${i}`
    const big = new Y.Doc()
    big.getText('t').insert(0, 'y'.repeat(200_000))
    const update = Y.encodeStateAsUpdate(big)
    big.destroy()
    expect(update.byteLength).toBeGreaterThan(limits.maxFrameBytes * 10)
    const holder = await rawPeer(n1, 'holder', [p1, pHolder], {
      protocol: 2,
      answer: (r) =>
        r.op === 'take'
          ? {
              op: 'take',
              result: 'state',
              token: 1,
              update,
              owners: [],
              versions: [],
              deletedAt: null,
              lastModified: 1_700_000_000_000,
            }
          : r.op === 'commit'
            ? { op: 'commit', deleted: true }
            : null,
    })
    const client = connectClient(cleanup, n1.wsUrl, doc)
    await synced(client)
    expect(client.doc.getText('t').length).toBe(200_000)
    await until(
      () => holder.requests.some((r) => r.op === 'commit'),
      { alsoOn: [[n1.server.cluster.events, 'handoff']] },
      'commit sent',
    )
    expect(holder.requests.map((r) => r.op)).toEqual(['take', 'commit'])
  })
})
