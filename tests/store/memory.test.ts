import { describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../src/store/memory.ts'
import { shardStoreContract } from './contract.ts'
import { memoryHarness } from './memory-harness.ts'
import { errorName } from './fixtures.ts'

shardStoreContract(memoryHarness)

describe('memory store', () => {
  it('defaults to an unlimited quota and validates a given one', async () => {
    const store = await openMemoryStore()
    expect((await store.usage()).quota).toBe(Number.POSITIVE_INFINITY)
    expect(await errorName(openMemoryStore({ quota: -1 }))).toBe('InvalidParametersError')
    expect(await errorName(openMemoryStore({ quota: Number.NaN }))).toBe('InvalidParametersError')
  })
})
