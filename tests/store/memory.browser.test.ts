// The memory backend runs in browsers too, so the contract runs there as well.
import { shardStoreContract } from './contract.ts'
import { memoryHarness } from './memory-harness.ts'

shardStoreContract(memoryHarness)
