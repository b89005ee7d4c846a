/** The memory backend's harness for the contract suite (runs in Node and Chromium). */
import { MemoryMedium, openMemoryStore } from '../../src/store/memory.ts'
import type { StoreHarness, StorePlace } from './fixtures.ts'

export const memoryHarness: StoreHarness = {
  name: 'memory',
  propertyRuns: 100,
  place: async (): Promise<StorePlace> => {
    const medium = new MemoryMedium()
    return {
      open: async (options = {}) => await openMemoryStore({ ...options, medium }),
      corrupt: async (id, bytes) => { medium.tamper(id, bytes) },
      lose: async id => { medium.lose(id) },
      destroy: async () => {}
    }
  }
}
