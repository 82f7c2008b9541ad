import { describeDocStoreContract } from './doc-store.contract.js'
import { createMemoryStore } from './memory-store.js'

describeDocStoreContract('memory', {
  create: async () => ({ store: createMemoryStore() }),
})
