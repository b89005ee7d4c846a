import { describe, it, expect, afterAll } from 'vitest'
import { WorkerPoolCodec, defaultWorkerCount } from '../../src/core/worker/pool.ts'
import { encodeToMemory, decodeToBytes, pseudoRandomBytes, expectSameBytes, expectRejectName, memoryFetcher, SMALL } from './helpers.ts'
import { MiB } from '../../src/core/bytes.ts'

const pools: WorkerPoolCodec[] = []
function pool (n: number): WorkerPoolCodec {
  const p = new WorkerPoolCodec(n)
  pools.push(p)
  return p
}
afterAll(() => { for (const p of pools) p.close() })

describe('pipeline in Web Workers', () => {
  it('uses two workers on a machine with two cores', () => {
    expect(navigator.hardwareConcurrency).toBeGreaterThanOrEqual(1)
    expect(defaultWorkerCount()).toBe(navigator.hardwareConcurrency >= 2 ? 2 : 1)
  })

  for (const workers of [1, 2]) {
    it(`${workers} worker(s): same shards as the page thread, and a byte-exact round trip`, async () => {
      const codec = pool(workers)
      const data = pseudoRandomBytes(9 * MiB + 12345, workers)
      const fileKey = pseudoRandomBytes(32, 5)
      const inWorkers = await encodeToMemory(new Blob([data]), { fileKey, codec })
      const inline = await encodeToMemory(data, { fileKey })
      expect([...inWorkers.shards.keys()]).toEqual([...inline.shards.keys()])
      expectSameBytes(await decodeToBytes(inWorkers, memoryFetcher(inWorkers.shards), { codec }), data)
    })
  }

  it('rebuilds from parity and reports corrupt shards across the thread boundary', async () => {
    const codec = pool(2)
    const data = pseudoRandomBytes(5 * SMALL.stripeSize + 3, 9)
    const stored = await encodeToMemory(data, { coding: SMALL, codec })
    const reported: string[] = []
    const out = await decodeToBytes(stored, async ({ cid, shard, stripe }) => {
      if (shard === 0) return undefined
      const b = stored.shards.get(cid.toString())!
      if (shard === 1 && stripe % 2 === 0) { const c = b.slice(); c[0]! ^= 1; return c }
      return b
    }, { codec, onCorruptShard: r => reported.push(`${r.stripe}:${r.shard}`) })
    expectSameBytes(out, data)
    expect(reported).toEqual(['0:1', '2:1', '4:1'])
  })

  it('brings typed errors back from the worker', async () => {
    const codec = pool(1)
    const stored = await encodeToMemory(pseudoRandomBytes(1000, 1), { coding: SMALL, codec })
    await expectRejectName(decodeToBytes({ ...stored, fileKey: pseudoRandomBytes(32, 2) }, memoryFetcher(stored.shards), { codec }), 'WrongKeyError')
  })
})
