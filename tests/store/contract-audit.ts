/**
 * The ShardStore contract, part three: range reads, outboards and audit
 * proofs, checked with the verifier an auditor runs (verifyGroups, which
 * knows only the shard id and its size). Registered by contract.ts for
 * every backend.
 */
import { beforeAll, expect, it } from 'vitest'
import { AUDIT_GROUP_BYTES, computeOutboard, MAX_PROOF_GROUPS, verifyGroups } from '../../src/core/blake3-tree.ts'
import { equalBytes } from '../../src/core/bytes.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { MAX_RANGE_BYTES } from '../../src/store/ranges.ts'
import type { ShardProof, ShardStore } from '../../src/store/types.ts'
import type { ContractContext } from './contract.ts'
import { errorName, makeShard, type Shard } from './fixtures.ts'

const G = AUDIT_GROUP_BYTES

/** What an auditor checks: the proof holds the groups asked for and verifies against the id and the size it expects. */
function verifies (shard: Shard, indices: number[], proof: ShardProof): boolean {
  const wanted = [...new Set(indices)].sort((a, b) => a - b)
  if (proof.size !== shard.bytes.byteLength || proof.groups.map(g => g.index).join() !== wanted.join()) return false
  return verifyGroups(parseShardCid(shard.id).multihash.digest, proof.size, proof.groups, proof.siblings)
}

export function registerAuditContract (ctx: ContractContext): void {
  let small: Shard
  let one: Shard
  let big: Shard
  let large: Shard
  beforeAll(async () => {
    small = await makeShard(100, 400)
    one = await makeShard(G, 401) // exactly one group
    big = await makeShard(5 * G + 123, 402) // six groups, the last short
    large = await makeShard(MAX_RANGE_BYTES + 3 * G, 403)
  })

  async function stored (store: ShardStore, shards: Shard[]): Promise<void> {
    await store.putMany(shards.map(x => ({ ...x, owner: 'alice' })))
  }

  it('reads exact ranges, within bounds', async () => {
    const { store } = await ctx.fresh()
    await stored(store, [small, one, big, large])
    const cases: Array<[Shard, number, number]> = [
      [small, 0, 100], [small, 99, 1], [small, 10, 0], [one, 0, G], [one, G - 1, 1],
      [big, 0, 1], [big, G - 1, 2], [big, 3 * G + 5, G], [big, 5 * G, 123], [big, 0, big.bytes.byteLength], [big, big.bytes.byteLength, 0],
      [large, 3 * G - 7, MAX_RANGE_BYTES]
    ]
    for (const [x, offset, length] of cases) {
      const got = await store.readRange(x.id, offset, length)
      expect(equalBytes(got, x.bytes.subarray(offset, offset + length)), `${x.bytes.byteLength} @${offset}+${length}`).toBe(true)
    }
    for (const [offset, length] of [[0, 101], [100, 1], [-1, 1], [0, -1], [0.5, 1], [0, Number.NaN], [Number.MAX_SAFE_INTEGER, 1]]) {
      expect(await errorName(store.readRange(small.id, offset as number, length as number)), `${offset}+${length}`).toBe('InvalidParametersError')
    }
    const err = await store.readRange(big.id, 6 * G, 1).catch((e: unknown) => e) as { name: string, details: Record<string, unknown> }
    expect(err.details.reason).toBe('out-of-range')
    expect(await errorName(store.readRange(large.id, 0, MAX_RANGE_BYTES + 1))).toBe('InvalidParametersError')
    expect(await errorName(store.readRange((await makeShard(10, 404)).id, 0, 1))).toBe('NotFoundError')
    expect(await errorName(store.readRange('bogus', 0, 1))).toBe('MalformedDataError')
  })

  it('keeps each shard\'s outboard from the moment it is stored', async () => {
    const { store, place } = await ctx.fresh()
    await stored(store, [big, large])
    for (const x of [big, large]) expect(await place.outboard(x.id)).toEqual(computeOutboard(x.bytes))
  })

  it('answers audits with proofs that verify against the id and the size', async () => {
    const { store } = await ctx.fresh()
    await stored(store, [small, one, big, large])
    const asks: Array<[Shard, number[]]> = [
      [small, [0]], [one, [0]], [big, [0]], [big, [5]], [big, [1, 4]], [big, [3, 3, 2]], [big, [5, 4, 3, 2, 1, 0]],
      [large, [0, 17, 40, 66]], [large, Array.from({ length: MAX_PROOF_GROUPS }, (_, i) => i + 2)]
    ]
    for (const [x, indices] of asks) {
      const proof = await store.proof(x.id, indices)
      expect(verifies(x, indices, proof), `${x.bytes.byteLength}: ${indices.join()}`).toBe(true)
      for (const g of proof.groups) expect(equalBytes(g.bytes, x.bytes.subarray(g.index * G, (g.index + 1) * G))).toBe(true)
    }
    // an answer for one shard proves nothing about another, nor about other groups
    const proof = await store.proof(big.id, [2])
    expect(verifyGroups(parseShardCid(large.id).multihash.digest, big.bytes.byteLength, proof.groups, proof.siblings)).toBe(false)
    expect(verifyGroups(parseShardCid(big.id).multihash.digest, big.bytes.byteLength, [{ index: 3, bytes: proof.groups[0]!.bytes }], proof.siblings)).toBe(false)
    for (const bad of [[], [6], [-1], [1.5], Array.from({ length: MAX_PROOF_GROUPS + 1 }, (_, i) => i)]) {
      expect(await errorName(store.proof(big.id, bad)), bad.join()).toBe('InvalidParametersError')
    }
    expect(await errorName(store.proof(small.id, [1]))).toBe('InvalidParametersError')
    expect(await errorName(store.proof((await makeShard(10, 405)).id, [0]))).toBe('NotFoundError')
  })

  it('reads only what it must: a damaged group is not seen by audits of others, and removes the shard when read', async () => {
    const reported: string[] = []
    const { store, place } = await ctx.fresh({ onCorrupt: id => { reported.push(id) } })
    await stored(store, [big, small])
    await place.flip(big.id, 2 * G + 100)
    expect(verifies(big, [0, 4], await store.proof(big.id, [0, 4]))).toBe(true)
    expect(equalBytes(await store.readRange(big.id, 3 * G, 10), big.bytes.subarray(3 * G, 3 * G + 10))).toBe(true)
    expect(await errorName(store.proof(big.id, [2]))).toBe('CorruptShardError')
    expect(reported).toEqual([big.id])
    expect(await store.has(big.id)).toBe(false)
    expect(await store.usage()).toMatchObject({ count: 1 })
    // now lost: an audit is answered so
    const lost = await store.proof(big.id, [0]).catch((e: unknown) => e) as { name: string, details: Record<string, unknown> }
    expect(lost.name).toBe('CorruptShardError')
    expect(lost.details.reason).toBe('lost')
    expect(await errorName(store.readRange(big.id, 0, 1))).toBe('NotFoundError')
    // a one-group shard is read whole, so any damage is found
    await place.flip(small.id, 99)
    expect(await errorName(store.readRange(small.id, 0, 1))).toBe('CorruptShardError')
    expect(await store.lost(small.id)).toBeDefined()
  })

  it('finds a vanished shard on an audit, and reports it lost afterwards', async () => {
    const { store, place } = await ctx.fresh()
    await stored(store, [big])
    await place.lose(big.id)
    expect(await errorName(store.proof(big.id, [1]))).toBe('NotFoundError')
    expect(await store.has(big.id)).toBe(false)
    expect(await errorName(store.proof(big.id, [1]))).toBe('CorruptShardError')
  })

  it('rebuilds a damaged outboard from the verified shard, and keeps the new one', async () => {
    const { store, place } = await ctx.fresh()
    await stored(store, [big])
    const garbage = computeOutboard(big.bytes)
    garbage[40] = (garbage[40] as number) ^ 1
    await place.damageOutboard(big.id, garbage)
    expect(verifies(big, [1, 3], await store.proof(big.id, [1, 3]))).toBe(true)
    expect(await place.outboard(big.id)).toEqual(computeOutboard(big.bytes))
    expect(await store.has(big.id)).toBe(true)
  })

  it('gives a shard stored without an outboard one on first use, keeping its owner and time', async () => {
    const { store: first, place } = await ctx.fresh()
    await first.close()
    const storedAt = Date.UTC(2026, 4, 5, 6, 7, 8)
    await place.legacy(big, storedAt, 'alice')
    await place.legacy(small, storedAt)
    const store = await ctx.reopen(place)
    expect(await place.outboard(big.id)).toBeUndefined()
    expect(verifies(big, [2, 5], await store.proof(big.id, [2, 5]))).toBe(true)
    expect(verifies(small, [0], await store.proof(small.id, [0]))).toBe(true)
    expect(await place.outboard(big.id)).toEqual(computeOutboard(big.bytes))
    expect(await store.stat(big.id)).toMatchObject({ owner: 'alice', storedAt, size: big.bytes.byteLength })
    expect(equalBytes(await store.get(big.id), big.bytes)).toBe(true)
    await store.close()
    const again = await ctx.reopen(place)
    expect(await again.stat(big.id)).toMatchObject({ owner: 'alice', storedAt })
    expect(verifies(big, [0], await again.proof(big.id, [0]))).toBe(true)
    expect(await again.scrub()).toEqual({ checked: 2, corrupt: [], missing: [] })
  })
}
