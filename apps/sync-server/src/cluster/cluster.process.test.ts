/**
 * Cluster nodes as real processes (the built CLI) on loopback, each with its own data dir:
 * `kill -9` of a document's owner while clients on other nodes type. Runs `dist/cli/main.js`
 * (`npm test` builds first).
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  linkedTo,
  membersOf,
  type NodeProcess,
  planNodes,
  spawnNode,
  storedDocs,
} from '../test-support/cluster-harness.js'
import {
  Cleanup,
  connectClient,
  converged,
  covers,
  nextSync,
  synced,
  until,
} from '../test-support/harness.js'
import { ownerOf } from './owner-of.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const IDS = ['n1', 'n2', 'n3']

describe('cluster processes', () => {
  it('after kill -9 of the owner, keeps every edit another client had received; clients reconnect and converge', async () => {
    const nodes = await planNodes(cleanup, IDS)
    const members = membersOf(nodes)
    const procs = await Promise.all(nodes.map((n) => spawnNode(cleanup, n, members)))
    await Promise.all(
      procs.map((p) =>
        linkedTo(
          p,
          IDS.filter((id) => id !== p.node.id),
        ),
      ),
    )
    let doc = ''
    for (let i = 0; doc === ''; i++) if (ownerOf(`crash-${i}`, IDS) === 'n2') doc = `crash-${i}`
    const [n1, , n3] = procs as [NodeProcess, NodeProcess, NodeProcess]
    // Both clients reach the owner through other nodes.
    const writer = connectClient(cleanup, n1.wsUrl, doc)
    const observer = connectClient(cleanup, n3.wsUrl, doc)
    const bystander = connectClient(
      cleanup,
      n1.wsUrl,
      (() => {
        for (let i = 0; ; i++) if (ownerOf(`other-${i}`, IDS) === 'n3') return `other-${i}`
      })(),
    )
    await Promise.all([synced(writer), synced(observer), synced(bystander)])

    const text = writer.doc.getText('t')
    const type = (): void => {
      for (let i = 0; i < 3; i++) text.insert(text.length, 'x')
    }
    const killAfter = 20 + Math.floor(Math.random() * 100)
    let observed = 0
    let reconnected: Promise<unknown> = Promise.resolve()
    const killed = new Promise<void>((resolve) => {
      const onUpdate = (): void => {
        observed++
        if (observed === killAfter) {
          observer.doc.off('update', onUpdate)
          reconnected = Promise.all([nextSync(writer), nextSync(observer)])
          void (procs[1] as NodeProcess).kill().then(resolve)
        } else {
          type()
        }
      }
      observer.doc.on('update', onUpdate)
    })
    type()
    await killed
    // What the observer had received when the owner died.
    const received = new Y.Doc()
    Y.applyUpdate(received, Y.encodeStateAsUpdate(observer.doc))
    // The writer keeps typing while the owner is down: offline edits, sent after it is back.
    for (let i = 0; i < 20; i++) text.insert(text.length, 'o')

    // Its documents are unavailable (1013 from the entry nodes); others are not.
    const closes: number[] = []
    observer.provider.on('connection-close', (event) => {
      if (event !== null) closes.push(event.code)
    })
    bystander.doc.getText('t').insert(0, 'unaffected')
    const check = connectClient(cleanup, n3.wsUrl, bystander.provider.roomname)
    await synced(check)
    await converged([bystander.doc, check.doc])
    check.destroy()
    await (procs[2] as NodeProcess).waitForLog(
      (e) => e.msg === 'node link closed' && e.peer === 'n2',
      'n3 notices n2 is gone',
    )
    const ready = (await (await fetch(`${n3.httpUrl}/readyz`)).json()) as Record<string, unknown>
    expect(ready).toEqual({ status: 'ready', node: 'n3', unreachablePeers: ['n2'] })

    const restarted = await spawnNode(cleanup, nodes[1] as (typeof nodes)[1], members)
    await linkedTo(restarted, ['n1', 'n3'])
    const fresh = connectClient(cleanup, restarted.wsUrl, doc)
    await synced(fresh)
    expect(covers(fresh.doc, received)).toBe(true)
    fresh.destroy()
    received.destroy()

    // The clients reconnect by themselves (no reload) and converge, offline edits included.
    await reconnected
    await converged([writer.doc, observer.doc])
    await until(() => observer.doc.getText('t').toString().endsWith('o'.repeat(20)), {
      docs: [observer.doc],
    })
    expect(observer.doc.getText('t').toString()).toBe(text.toString())
    expect(closes.every((code) => code === 1013 || code === 1006)).toBe(true)
    console.info(`killed the owner after ${killAfter} relayed updates; closes seen: ${closes}`)

    // Each document is stored on its owner only.
    for (const c of [writer, observer, bystander]) c.destroy()
    await Promise.all([n1.stop(), n3.stop(), restarted.stop()])
    expect(await storedDocs(nodes[0]?.dataDir as string)).toEqual([])
    expect(await storedDocs(nodes[1]?.dataDir as string)).toEqual([doc])
    expect(await storedDocs(nodes[2]?.dataDir as string)).toEqual([bystander.provider.roomname])
  })
})
