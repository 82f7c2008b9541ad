import { afterEach, describe, expect, it } from 'vitest'
import { type LevelDbDocStore, openLevelDbStore } from '../storage/leveldb-store.js'
import { Cleanup, tempDir } from '../test-support/harness.js'
import { describeEventQueuesContract } from './event-queue.contract.js'
import { createLevelDbQueues } from './leveldb-queue.js'

const cleanup = new Cleanup()
const stores: LevelDbDocStore[] = []
const closeAll = async (): Promise<void> => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
  await cleanup.run()
}

/** The queues live in a section of a real document store's database, as in the server. */
async function openIn(dir: string) {
  for (const store of stores.splice(0)) await store.close()
  const store = await openLevelDbStore({ dir, fsync: false })
  stores.push(store)
  return { store, queues: createLevelDbQueues(store.sublevel('webhooks'), { fsync: false }) }
}

describeEventQueuesContract(
  'leveldb',
  {
    async create() {
      const dir = await tempDir(cleanup, 'weft-queue-')
      const { queues } = await openIn(dir)
      return { queues, reopen: async () => (await openIn(dir)).queues }
    },
  },
  { after: closeAll },
)

describe('leveldb queues beside documents', () => {
  afterEach(closeAll)

  it('share the database without showing up among the documents', async () => {
    const { store, queues } = await openIn(await tempDir(cleanup, 'weft-queue-'))
    await store.append('doc', [Uint8Array.of(0, 0)])
    const queue = await queues.open('r1', 10)
    await queue.push([{ id: 'e', type: 't', body: '{}', createdAt: 1 }])
    expect((await store.list()).docs.map((d) => d.name)).toEqual(['doc'])
    expect((await store.load('doc')).updates).toHaveLength(1)
    expect(queue.size).toBe(1)
  })
})
