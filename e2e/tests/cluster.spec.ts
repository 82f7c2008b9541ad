/**
 * Two browsers behind a plain round-robin load balancer (nginx), served by different nodes
 * of a two-node cluster, edit one document together: one browser's socket reaches the owner
 * directly, the other's is forwarded by its node.
 */
import type { Page } from '@playwright/test'
import {
  ALICE,
  BOB,
  blocksOf,
  caretToBlockEnd,
  contextAs,
  editorOf,
  expect,
  openDoc,
  test,
} from '../support/fixtures.js'
import { type LoadBalancer, startNginx } from '../support/nginx.js'
import { nodeMetric, startWeftCluster, type WeftCluster } from '../support/weft-cluster.js'

let cluster: WeftCluster | null = null
let balancer: LoadBalancer | null = null

test.afterEach(async () => {
  await balancer?.stop()
  await cluster?.dispose()
  balancer = null
  cluster = null
})

test('two browsers on different nodes behind nginx edit together', async ({ browser }) => {
  cluster = await startWeftCluster(2)
  balancer = await startNginx(cluster.nodes.map((n) => n.port))
  const lb = balancer
  const [n1, n2] = cluster.nodes
  if (n1 === undefined || n2 === undefined) throw new Error('no nodes')
  const doc = 'behind-nginx'
  /** Client sockets each node forwards: with one browser on each node, exactly one. */
  const forwarded = async (): Promise<number> =>
    (await nodeMetric(n1, 'weft_forwarded_sockets')) +
    (await nodeMetric(n2, 'weft_forwarded_sockets'))

  /** Sockets served by the owner, directly or forwarded: 2 once both browsers are in. */
  const served = async (): Promise<number> =>
    (await nodeMetric(n1, 'weft_connections_open')) +
    (await nodeMetric(n2, 'weft_connections_open'))

  const alice = await contextAs(browser, ALICE)
  const bob = await contextAs(browser, BOB)
  const pageA = await openDoc(alice, lb, doc)
  let pageB: Page = await openDoc(bob, lb, doc)
  // Round-robin decides which node Bob's socket reaches. Until it is not Alice's, shift the
  // rotation (by 1, 2, … requests, so both parities come up) and reload Bob's page.
  for (let attempt = 1; attempt <= 4; attempt++) {
    await expect.poll(served).toBe(2)
    if ((await forwarded()) === 1) break
    for (let i = 0; i < attempt; i++) await fetch(`${lb.url}/healthz`)
    await pageB.close()
    pageB = await openDoc(bob, lb, doc)
  }
  await expect.poll(served).toBe(2)
  expect(await forwarded()).toBe(1)

  await editorOf(pageA).click()
  await pageA.keyboard.type('first')
  await pageA.keyboard.press('Enter')
  await pageA.keyboard.type('second')
  await expect.poll(() => blocksOf(pageB)).toEqual(['first', 'second'])

  await editorOf(pageB).click()
  await caretToBlockEnd(pageB, 1, pageA)
  await caretToBlockEnd(pageA, 0, pageB)
  await Promise.all([
    pageA.keyboard.type(' by Alice on one node', { delay: 15 }),
    pageB.keyboard.type(' by Bob on the other', { delay: 15 }),
  ])
  const expected = ['first by Alice on one node', 'second by Bob on the other']
  await expect.poll(() => blocksOf(pageA)).toEqual(expected)
  await expect.poll(() => blocksOf(pageB)).toEqual(expected)
  // Still one browser per node at the end.
  expect(await forwarded()).toBe(1)
  await alice.close()
  await bob.close()
})
