import { describeEventQueuesContract } from './event-queue.contract.js'
import { createMemoryQueues } from './memory-queue.js'

describeEventQueuesContract('memory', { create: async () => ({ queues: createMemoryQueues() }) })
