/**
 * The contract every `EventQueues` implementation must pass. Each implementation's test file
 * runs it with a factory; nothing here knows which one it is testing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { EventQueues, NewQueuedEvent } from './event-queue.js'

/** Makes fresh, empty queues; `reopen` (when durable) opens new queues on the same data. */
export interface QueuesHarness {
  create(): Promise<{ queues: EventQueues; reopen?: () => Promise<EventQueues> }>
}

const event = (n: number): NewQueuedEvent => ({
  id: `id-${n}`,
  type: 'room.opened',
  body: JSON.stringify({ id: `id-${n}`, n, text: 'ünïcode ✓' }),
  createdAt: 1_700_000_000_000 + n,
})

export function describeEventQueuesContract(
  label: string,
  harness: QueuesHarness,
  cleanup: { after: () => Promise<void> } = { after: async () => undefined },
): void {
  describe(`EventQueues contract: ${label}`, () => {
    afterEach(() => cleanup.after())

    it('starts empty', async () => {
      const { queues } = await harness.create()
      const queue = await queues.open('r1', 10)
      expect(queue.size).toBe(0)
      expect(await queue.peek()).toBeNull()
    })

    it('gives events back in push order, byte for byte, and acks through a seq', async () => {
      const { queues } = await harness.create()
      const queue = await queues.open('r1', 10)
      await queue.push([event(1), event(2)])
      await queue.push([event(3)])
      expect(queue.size).toBe(3)
      const first = await queue.peek()
      expect(first).toMatchObject(event(1))
      await queue.ackThrough(first?.seq ?? -1)
      expect(await queue.peek()).toMatchObject(event(2))
      const second = await queue.peek()
      // Acknowledging again, or an older seq, changes nothing.
      await queue.ackThrough(first?.seq ?? -1)
      expect(queue.size).toBe(2)
      await queue.ackThrough((second?.seq ?? 0) + 1)
      expect(queue.size).toBe(0)
      expect(await queue.peek()).toBeNull()
      await queue.push([event(4)])
      expect(await queue.peek()).toMatchObject(event(4))
    })

    it('gives increasing seqs that are never reused', async () => {
      const { queues } = await harness.create()
      const queue = await queues.open('r1', 10)
      const seqs: number[] = []
      for (let n = 0; n < 5; n++) {
        await queue.push([event(n)])
        const head = await queue.peek()
        seqs.push(head?.seq ?? -1)
        await queue.ackThrough(head?.seq ?? -1)
      }
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(new Set(seqs).size).toBe(5)
    })

    it('keeps receivers apart', async () => {
      const { queues } = await harness.create()
      const a = await queues.open('r1', 10)
      const b = await queues.open('r2', 10)
      await a.push([event(1)])
      await b.push([event(2), event(3)])
      expect([a.size, b.size]).toEqual([1, 2])
      expect(await b.peek()).toMatchObject(event(2))
      await a.ackThrough((await a.peek())?.seq ?? -1)
      expect(await b.peek()).toMatchObject(event(2))
    })

    it('drops the oldest beyond maxEntries and says how many', async () => {
      const { queues } = await harness.create()
      const queue = await queues.open('r1', 3)
      expect(await queue.push([event(1), event(2)])).toEqual({ dropped: 0 })
      expect(await queue.push([event(3), event(4)])).toEqual({ dropped: 1 })
      expect(queue.size).toBe(3)
      expect(await queue.peek()).toMatchObject(event(2))
      // More in one push than the bound: only the newest stay.
      expect(await queue.push([5, 6, 7, 8].map(event))).toEqual({ dropped: 4 })
      expect(queue.size).toBe(3)
      expect(await queue.peek()).toMatchObject(event(6))
    })

    it('keeps the order of operations issued without waiting', async () => {
      const { queues } = await harness.create()
      const queue = await queues.open('r1', 3)
      const done = [
        queue.push([event(1)]),
        queue.push([event(2)]),
        queue.ackThrough(Number.MAX_SAFE_INTEGER),
        queue.push([event(3), event(4), event(5), event(6)]),
      ]
      const head = queue.peek()
      await Promise.all(done)
      expect(await head).toMatchObject(event(4))
      expect(queue.size).toBe(3)
    })

    it('holds exactly the same events after a reopen (durable queues)', async () => {
      const { queues, reopen } = await harness.create()
      if (reopen === undefined) return
      const queue = await queues.open('r1', 5)
      await queue.push([1, 2, 3, 4, 5, 6].map(event))
      await queue.ackThrough((await queue.peek())?.seq ?? -1)
      const seqBefore = (await queue.peek())?.seq ?? -1
      const again = await (await reopen()).open('r1', 5)
      expect(again.size).toBe(4)
      const head = await again.peek()
      expect(head).toMatchObject(event(3))
      expect(head?.seq).toBe(seqBefore)
      // Numbering resumes past what was stored.
      await again.push([event(7)])
      await again.ackThrough(Number.MAX_SAFE_INTEGER - 1)
      await again.push([event(8)])
      expect(((await again.peek())?.seq ?? 0) > seqBefore).toBe(true)
    })
  })
}
