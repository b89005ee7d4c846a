import { describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../src/store/memory.ts'
import { shardStoreContract } from './contract.ts'
import { memoryHarness } from './memory-harness.ts'
import { errorName, makeShard } from './fixtures.ts'
import { MemoryMedium } from '../../src/store/memory.ts'

shardStoreContract(memoryHarness)

describe('memory store', () => {
  it('defaults to an unlimited quota and validates a given one', async () => {
    const store = await openMemoryStore()
    expect((await store.usage()).quota).toBe(Number.POSITIVE_INFINITY)
    expect(await errorName(openMemoryStore({ quota: -1 }))).toBe('InvalidParametersError')
    expect(await errorName(openMemoryStore({ quota: Number.NaN }))).toBe('InvalidParametersError')
  })

  it('takes a kept loss of a shard it holds for stale (a list saved before the shard was stored again)', async () => {
    const medium = new MemoryMedium()
    const a = await makeShard(100, 1)
    const store = await openMemoryStore({ medium })
    await store.put(a.id, a.bytes)
    await store.close()
    await medium.setLost([{ id: a.id, lostAt: Date.now() }])
    const again = await openMemoryStore({ medium })
    await again.delete(a.id)
    expect(await again.lost(a.id)).toBeUndefined()
  })
})
