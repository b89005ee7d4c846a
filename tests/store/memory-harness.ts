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
      flip: async (id, offset) => {
        const bytes = await medium.read(id)
        if (bytes === undefined) throw new Error(`flip: ${id} is not stored`)
        bytes[offset] = (bytes[offset] as number) ^ 1
        medium.tamper(id, bytes)
      },
      legacy: async (shard, storedAt, owner) => {
        medium.putLegacy({ id: shard.id, size: shard.bytes.byteLength, storedAt, ...(owner !== undefined ? { owner } : {}) }, shard.bytes)
      },
      forgetLeases: async () => { medium.forgetLeases() },
      outboard: async id => medium.outboard(id),
      damageOutboard: async (id, outboard) => { medium.tamperOutboard(id, outboard) },
      destroy: async () => {}
    }
  }
}
