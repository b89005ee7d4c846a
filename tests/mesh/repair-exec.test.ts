/**
 * Re-creating shards (src/mesh/repair-exec.ts) with real Reed-Solomon
 * coding: every combination of up to m lost shards of real encoded stripes
 * comes back byte for byte; too few shards, a fetcher handing out wrong-size
 * bytes, and a capability whose ids disagree with the shards are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initErasure } from '../../src/core/erasure.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import type { RepairCapStripe } from '../../src/core/repair-cap.ts'
import { recreateShards, type VerifiedShardFetcher } from '../../src/mesh/repair-exec.ts'
import { encodeToMemory, pseudoRandomBytes, SMALL, type Stored } from '../core/helpers.ts'

let stored: Stored

function capStripe (index: number): RepairCapStripe {
  const ids = stored.manifest.stripes[index]!.shards
  return { size: stored.shards.get(ids[0]!.toString())!.byteLength, ids: ids.map(id => id.bytes) }
}

/** A fetcher over the stored shards, missing the indices in `gone`; counts its calls. */
function fetcher (gone: readonly number[], calls: number[] = []): VerifiedShardFetcher {
  return async (index, id) => {
    calls.push(index)
    return gone.includes(index) ? undefined : stored.shards.get(id.toString())
  }
}

function subsets (n: number, maxSize: number): number[][] {
  const out: number[][] = []
  for (let mask = 1; mask < 1 << n; mask++) {
    const set = Array.from({ length: n }, (_, i) => i).filter(i => (mask & (1 << i)) !== 0)
    if (set.length <= maxSize) out.push(set)
  }
  return out
}

describe('re-creating lost shards', () => {
  beforeAll(async () => {
    await initBlake3()
    await initErasure()
    // 3 stripes of 4 + 2, the last one shorter
    stored = await encodeToMemory(pseudoRandomBytes(10_000, 7), { coding: SMALL })
  })

  it('re-creates any one or two lost shards of every stripe byte for byte, fetching only k', async () => {
    for (let s = 0; s < stored.manifest.stripes.length; s++) {
      const stripe = capStripe(s)
      for (const lost of subsets(6, 2)) {
        const calls: number[] = []
        const out = await recreateShards({ stripe, k: 4, m: 2, recreate: lost, fetch: fetcher(lost, calls) })
        expect(out.map(r => r.index)).toEqual(lost)
        for (const r of out) expect(r.bytes).toEqual(stored.shards.get(r.id.toString()))
        expect(calls.length).toBe(4)
      }
    }
  })

  it('re-creates from whichever k shards it can find', async () => {
    const stripe = capStripe(0)
    // shard 0 is lost and shard 2 cannot be fetched now: 1, 3, 4 and 5 are the k it needs
    const out = await recreateShards({ stripe, k: 4, m: 2, recreate: [0], fetch: fetcher([0, 2]) })
    expect(out[0]!.bytes).toEqual(stored.shards.get(out[0]!.id.toString()))
  })

  it('refuses with TooFewShardsError when fewer than k can be fetched', async () => {
    await expect(recreateShards({ stripe: capStripe(1), k: 4, m: 2, recreate: [0], fetch: fetcher([0, 1, 2]) }))
      .rejects.toMatchObject({ name: 'TooFewShardsError' })
  })

  it('does not use fetched bytes of the wrong size', async () => {
    const stripe = capStripe(0)
    const short: VerifiedShardFetcher = async (index, id) => index === 1 ? new Uint8Array(10) : stored.shards.get(id.toString())
    const out = await recreateShards({ stripe, k: 4, m: 2, recreate: [0], fetch: short })
    expect(out[0]!.bytes).toEqual(stored.shards.get(out[0]!.id.toString()))
    const allShort: VerifiedShardFetcher = async index => index === 0 ? undefined : new Uint8Array(10)
    await expect(recreateShards({ stripe, k: 4, m: 2, recreate: [0], fetch: allShort })).rejects.toMatchObject({ name: 'TooFewShardsError' })
  })

  it('hands out nothing when a re-created shard does not hash to its signed id', async () => {
    const stripe = capStripe(0)
    // a capability naming another stripe's shard at index 5: the shards fetched re-create stripe 0's, which does not match
    const wrong = { ...stripe, ids: [...stripe.ids.slice(0, 5), capStripe(1).ids[5]!] }
    await expect(recreateShards({ stripe: wrong, k: 4, m: 2, recreate: [5], fetch: fetcher([5]) }))
      .rejects.toMatchObject({ name: 'CorruptShardError', details: { reason: 'recreated-mismatch' } })
  })

  it('refuses bad indices with a typed error', async () => {
    for (const recreate of [[6], [1, 1], [-1]]) {
      await expect(recreateShards({ stripe: capStripe(0), k: 4, m: 2, recreate, fetch: fetcher([]) })).rejects.toMatchObject({ name: 'InvalidParametersError' })
    }
    expect(await recreateShards({ stripe: capStripe(0), k: 4, m: 2, recreate: [], fetch: fetcher([]) })).toEqual([])
  })
})
