/**
 * The ShardStore contract, registered as vitest tests for one backend.
 * Every backend's test file calls `shardStoreContract(harness)`; what is
 * checked here holds for memory, filesystem and IndexedDB alike.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { equalBytes, MiB } from '../../src/core/bytes.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { SHARD_MIN_CHARGE_BYTES, shardChargeBytes } from '../../src/store/charge.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { collect, errorName, makeShard, type OpenOptions, type Shard, type StoreHarness, type StorePlace } from './fixtures.ts'
import { registerModelProperty } from './contract-property.ts'
import { registerLeaseContract } from './contract-leases.ts'
import { registerAuditContract } from './contract-audit.ts'

/** What the contract's parts in other files get from the suite. */
export interface ContractContext {
  /** a new place and a store opened on it (both cleaned up after the test) */
  fresh: (options?: OpenOptions) => Promise<{ store: ShardStore, place: StorePlace }>
  /** open another store on `place` (closed after the test) */
  reopen: (place: StorePlace, options?: OpenOptions) => Promise<ShardStore>
}

export function shardStoreContract (harness: StoreHarness): void {
  describe(`ShardStore contract: ${harness.name}`, () => {
    let shards: Shard[]
    const places: StorePlace[] = []
    const stores: ShardStore[] = []

    beforeAll(async () => {
      shards = await Promise.all([100, 200, 300, 400, 500, 0].map(async (size, i) => await makeShard(size, i + 1)))
    })

    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close()
      for (const p of places.splice(0)) await p.destroy()
    })

    async function fresh (options?: OpenOptions): Promise<{ store: ShardStore, place: StorePlace }> {
      const place = await harness.place()
      places.push(place)
      const store = await place.open(options)
      stores.push(store)
      return { store, place }
    }

    const s = (i: number): Shard => shards[i] as Shard
    /** what shards of these sizes are charged together */
    const charged = (...sizes: number[]): number => sizes.reduce((a, n) => a + shardChargeBytes(n), 0)
    const MIN = SHARD_MIN_CHARGE_BYTES

    it('round-trips a shard with its record', async () => {
      const { store } = await fresh()
      const before = Date.now()
      await store.put(s(0).id, s(0).bytes, { owner: 'alice' })
      expect(await store.get(s(0).id)).toEqual(s(0).bytes)
      expect(await store.has(s(0).id)).toBe(true)
      const record = await store.stat(s(0).id)
      expect(record).toMatchObject({ id: s(0).id, size: 100, owner: 'alice' })
      expect(Object.keys(record ?? {}).sort()).toEqual(['id', 'leaseUntil', 'owner', 'size', 'storedAt'])
      expect(record?.storedAt).toBeGreaterThanOrEqual(before - 1000)
      expect(await collect(store.entries())).toEqual([record])
    })

    it('refuses the empty shard, alone or in a batch, storing nothing', async () => {
      const { store } = await fresh()
      const err = await store.put(s(5).id, s(5).bytes, { owner: 'alice' }).catch((e: unknown) => e) as { name: string, details: Record<string, unknown> }
      expect(err.name).toBe('InvalidParametersError')
      expect(err.details.reason).toBe('empty-shard')
      expect(await errorName(store.putMany([s(0), s(5)]))).toBe('InvalidParametersError')
      expect(await store.has(s(5).id)).toBe(false)
      expect(await store.has(s(0).id)).toBe(false)
      expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    })

    it('charges every shard its length, but at least one 4 KiB block', async () => {
      const { store } = await fresh()
      const tiny = await Promise.all(Array.from({ length: 16 }, async (_, i) => await makeShard(1 + i, 500 + i)))
      await store.putMany(tiny.map(t => ({ ...t, owner: 'alice' })))
      expect(MIN).toBe(4096)
      expect(await store.usage()).toMatchObject({ bytes: 16 * MIN, count: 16 })
      expect(await store.ownerUsage('alice')).toEqual({ bytes: 16 * MIN, count: 16 })
      const block = await makeShard(MIN + 1, 600)
      await store.put(block.id, block.bytes, { owner: 'alice' })
      expect(await store.ownerUsage('alice')).toEqual({ bytes: 17 * MIN + 1, count: 17 })
      expect((await store.stat(tiny[0]!.id))?.size).toBe(1) // the record keeps the real length
      await store.delete(tiny[0]!.id)
      expect(await store.usage()).toMatchObject({ bytes: 16 * MIN + 1, count: 16 })
      expect(await store.ownerUsage('nobody')).toEqual({ bytes: 0, count: 0 })
    })

    it('refuses tiny shards past the quota in charged bytes', async () => {
      const { store } = await fresh({ quota: 3 * MIN })
      const tiny = await Promise.all(Array.from({ length: 4 }, async (_, i) => await makeShard(10, 700 + i)))
      await store.putMany(tiny.slice(0, 3))
      const err = await store.put(tiny[3]!.id, tiny[3]!.bytes).catch((e: unknown) => e) as { name: string, details: unknown }
      expect(err.name).toBe('QuotaExceededError')
      expect(err.details).toEqual({ quota: 3 * MIN, used: 3 * MIN, needed: MIN })
    })

    it('gives one owner at most its share of the quota', async () => {
      const { store, place } = await fresh({ quota: 8 * MIN, ownerShare: 0.25 }) // two blocks each
      await store.putMany([{ ...s(0), owner: 'alice' }, { ...s(1), owner: 'alice' }])
      const err = await store.put(s(2).id, s(2).bytes, { owner: 'alice' }).catch((e: unknown) => e) as { name: string, details: unknown }
      expect(err.name).toBe('QuotaExceededError')
      expect(err.details).toEqual({ reason: 'owner-share', owner: 'alice', ownerShare: 0.25, ownerQuota: 2 * MIN, used: 2 * MIN, needed: MIN })
      // a batch taking one owner past its share is refused whole
      expect(await errorName(store.putMany([{ ...s(3), owner: 'bob' }, { ...s(4), owner: 'bob' }, { ...s(2), owner: 'bob' }]))).toBe('QuotaExceededError')
      expect(await store.has(s(3).id)).toBe(false)
      // others, and shards without an owner, still fit
      await store.putMany([{ ...s(3), owner: 'bob' }, s(4), s(2)])
      expect(await store.usage()).toMatchObject({ bytes: 5 * MIN, count: 5, ownerShare: 0.25 })
      // a larger share applies at once
      store.setOwnerShare(0.5)
      const more = await makeShard(100, 800)
      await store.put(more.id, more.bytes, { owner: 'alice' })
      expect(await store.ownerUsage('alice')).toEqual({ bytes: 3 * MIN, count: 3 })
      for (const bad of [0, -0.5, 1.5, Number.NaN]) expect(() => { store.setOwnerShare(bad) }).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
      expect(await errorName(place.open({ ownerShare: 2 }))).toBe('InvalidParametersError')
    })

    it('has, delete and list', async () => {
      const { store } = await fresh()
      for (const x of shards.slice(0, 3)) await store.put(x.id, x.bytes)
      await store.delete(s(1).id)
      expect((await collect(store.list())).sort()).toEqual([s(0).id, s(2).id].sort())
      expect(await store.has(s(1).id)).toBe(false)
      expect(await store.stat(s(1).id)).toBeUndefined()
      expect(await errorName(store.get(s(1).id))).toBe('NotFoundError')
      await store.delete(s(1).id) // missing: a no-op
      await store.delete(s(4).id)
      expect(await store.usage()).toMatchObject({ bytes: charged(100, 300), count: 2 })
    })

    it('treats a repeated put as a no-op (first owner stays)', async () => {
      const { store } = await fresh()
      await store.put(s(0).id, s(0).bytes, { owner: 'alice' })
      await store.put(s(0).id, s(0).bytes, { owner: 'bob' })
      await store.putMany([s(0), s(0)])
      const usage = await store.usage()
      expect(usage).toMatchObject({ bytes: charged(100), count: 1 })
      expect([...usage.byOwner]).toEqual([['alice', { bytes: charged(100), count: 1 }]])
    })

    it('refuses bytes that do not hash to the id, storing nothing', async () => {
      const { store } = await fresh()
      expect(await errorName(store.put(s(0).id, s(1).bytes))).toBe('CorruptShardError')
      expect(await errorName(store.putMany([s(2), { id: s(3).id, bytes: s(0).bytes }]))).toBe('CorruptShardError')
      expect(await store.has(s(0).id)).toBe(false)
      expect(await store.has(s(2).id)).toBe(false)
      expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    })

    it('parses ids strictly and keeps them canonical', async () => {
      const { store } = await fresh()
      const sha256Id = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32))).toString()
      for (const bad of ['hello', '', sha256Id]) {
        expect(await errorName(store.put(bad, s(0).bytes))).toBe('MalformedDataError')
        expect(await errorName(store.get(bad))).toBe('MalformedDataError')
        expect(await errorName(store.has(bad))).toBe('MalformedDataError')
      }
      const alias = parseShardCid(s(0).id).toString(base58btc)
      await store.put(alias, s(0).bytes)
      expect(await collect(store.list())).toEqual([s(0).id])
      expect(await store.get(alias)).toEqual(s(0).bytes)
    })

    it('detects corruption on the medium at get, reports and removes it', async () => {
      const reported: string[] = []
      const { store, place } = await fresh({ onCorrupt: id => { reported.push(id) } })
      await store.put(s(0).id, s(0).bytes)
      await store.put(s(1).id, s(1).bytes)
      const garbage = s(0).bytes.slice()
      garbage[7] = (garbage[7] as number) ^ 1
      await place.corrupt(s(0).id, garbage)
      expect(await errorName(store.get(s(0).id))).toBe('CorruptShardError')
      expect(reported).toEqual([s(0).id])
      expect(await store.has(s(0).id)).toBe(false)
      expect(await errorName(store.get(s(0).id))).toBe('NotFoundError')
      expect(await store.usage()).toMatchObject({ bytes: charged(200), count: 1 })
      // and it can be stored again
      await store.put(s(0).id, s(0).bytes)
      expect(await store.get(s(0).id)).toEqual(s(0).bytes)
    })

    it('reports bytes that vanished from the medium as not found', async () => {
      const { store, place } = await fresh()
      await store.put(s(0).id, s(0).bytes)
      await place.lose(s(0).id)
      expect(await errorName(store.get(s(0).id))).toBe('NotFoundError')
      expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    })

    it('scrub re-verifies everything and removes what is damaged', async () => {
      const reported: string[] = []
      const { store, place } = await fresh({ onCorrupt: id => { reported.push(id) } })
      await store.putMany(shards.slice(0, 5))
      await place.corrupt(s(1).id, new Uint8Array(200))
      await place.corrupt(s(3).id, new Uint8Array([1, 2, 3]))
      await place.lose(s(4).id)
      const progress: number[] = []
      const report = await store.scrub({ onProgress: p => { progress.push(p.checked) } })
      expect(report.checked).toBe(5)
      expect(report.corrupt.sort()).toEqual([s(1).id, s(3).id].sort())
      expect(report.missing).toEqual([s(4).id])
      expect(reported.sort()).toEqual(report.corrupt)
      expect(progress).toEqual([1, 2, 3, 4, 5])
      expect((await collect(store.list())).sort()).toEqual([s(0).id, s(2).id].sort())
      expect(await store.usage()).toMatchObject({ bytes: charged(100, 300), count: 2 })
      expect(await store.scrub()).toEqual({ checked: 2, corrupt: [], missing: [] })
    })

    it('refuses a put over quota, leaving nothing behind', async () => {
      const { store } = await fresh({ quota: 3 * MIN })
      await store.put(s(2).id, s(2).bytes) // one block
      const big = await makeShard(2 * MIN + 1, 900)
      const err = await store.put(big.id, big.bytes).catch((e: unknown) => e) as { name: string, details: unknown }
      expect(err.name).toBe('QuotaExceededError')
      expect(err.details).toEqual({ quota: 3 * MIN, used: MIN, needed: 2 * MIN + 1 })
      expect(await store.has(big.id)).toBe(false)
      expect(await store.usage()).toMatchObject({ bytes: MIN, count: 1, quota: 3 * MIN })
      await store.put(s(2).id, s(2).bytes) // already stored: no room needed
      await store.putMany([s(0), s(1)]) // exactly fills the quota
      expect(await store.usage()).toMatchObject({ bytes: 3 * MIN, count: 3 })
    })

    it('putMany is all or nothing under quota', async () => {
      const { store } = await fresh({ quota: 4 * MIN })
      await store.put(s(3).id, s(3).bytes)
      // four blocks > three left, though the first three alone would fit
      const extra = await makeShard(50, 901)
      expect(await errorName(store.putMany([s(0), s(4), s(2), extra]))).toBe('QuotaExceededError')
      for (const x of [s(0), s(4), s(2), extra]) expect(await store.has(x.id)).toBe(false)
      expect(await store.usage()).toMatchObject({ bytes: MIN, count: 1 })
      // entries already stored need no room
      await store.putMany([s(3), s(0), s(1), s(2)])
      expect(await store.usage()).toMatchObject({ bytes: 4 * MIN, count: 4 })
    })

    it('survives close and reopen with the same list, records and usage', async () => {
      const { store, place } = await fresh({ quota: 10 * MIN })
      await store.put(s(0).id, s(0).bytes, { owner: 'alice' })
      await store.putMany([{ ...s(1), owner: 'bob' }, s(2), s(3)])
      const records = (await collect(store.entries())).sort((a, b) => a.id.localeCompare(b.id))
      const usage = await store.usage()
      await store.close()
      const again = await place.open({ quota: 10 * MIN })
      stores.push(again)
      expect((await collect(again.entries())).sort((a, b) => a.id.localeCompare(b.id))).toEqual(records)
      expect(await again.usage()).toEqual(usage)
      expect(await again.get(s(1).id)).toEqual(s(1).bytes)
    })

    it('serialises concurrent puts: one copy, quota never overshot', async () => {
      const { store } = await fresh({ quota: 3 * MIN })
      await Promise.all(Array.from({ length: 8 }, async () => { await store.put(s(4).id, s(4).bytes) }))
      expect(await store.usage()).toMatchObject({ bytes: MIN, count: 1 })
      const results = await Promise.all([s(0), s(1), s(2), s(3)].map(async x => await errorName(store.put(x.id, x.bytes))))
      const usage = await store.usage()
      expect(usage.bytes).toBeLessThanOrEqual(3 * MIN)
      expect(usage.count).toBe(3)
      expect(results.filter(r => r === 'resolved').length).toBe(usage.count - 1)
      expect(results.every(r => r === 'resolved' || r === 'QuotaExceededError')).toBe(true)
    })

    it('stores large values and only the viewed bytes of a subarray', async () => {
      const { store } = await fresh()
      const big = await makeShard(4 * MiB, 99)
      await store.put(big.id, big.bytes)
      const got = await store.get(big.id)
      expect(got.byteLength).toBe(4 * MiB)
      expect(equalBytes(got, big.bytes)).toBe(true) // toEqual walks 4 Mi elements slowly
      const backing = new Uint8Array(1000)
      backing.set(s(1).bytes, 500)
      await store.put(s(1).id, backing.subarray(500, 700))
      expect(await store.get(s(1).id)).toEqual(s(1).bytes)
      expect(await store.usage()).toMatchObject({ bytes: 4 * MiB + charged(200), count: 2 })
    })

    it('keeps stored bytes independent of the caller\'s buffers', async () => {
      const { store } = await fresh()
      const bytes = s(0).bytes.slice()
      await store.put(s(0).id, bytes)
      bytes.fill(0)
      const got = await store.get(s(0).id)
      got.fill(1)
      expect(await store.get(s(0).id)).toEqual(s(0).bytes)
    })

    it('breaks usage down by owner', async () => {
      const { store } = await fresh()
      await store.putMany([{ ...s(0), owner: 'alice' }, { ...s(1), owner: 'bob' }, { ...s(2), owner: 'alice' }, s(3)])
      const usage = await store.usage()
      expect(usage).toMatchObject({ bytes: charged(100, 200, 300, 400), count: 4 })
      expect(usage.byOwner.get('alice')).toEqual({ bytes: charged(100, 300), count: 2 })
      expect(usage.byOwner.get('bob')).toEqual({ bytes: charged(200), count: 1 })
      expect(await store.ownerUsage('alice')).toEqual(usage.byOwner.get('alice'))
      await store.delete(s(1).id)
      expect((await store.usage()).byOwner.has('bob')).toBe(false)
      expect(await errorName(store.put(s(4).id, s(4).bytes, { owner: '' }))).toBe('InvalidParametersError')
    })

    it('honours abort signals and refuses work after close', async () => {
      const { store } = await fresh()
      const signal = AbortSignal.abort()
      expect(await errorName(store.put(s(0).id, s(0).bytes, { signal }))).toBe('AbortedError')
      expect(await errorName(store.get(s(0).id, { signal }))).toBe('AbortedError')
      expect(await errorName(collect(store.list({ signal })))).toBe('resolved') // empty store: nothing to abort
      await store.put(s(0).id, s(0).bytes)
      expect(await errorName(collect(store.list({ signal })))).toBe('AbortedError')
      expect(await errorName(store.scrub({ signal }))).toBe('AbortedError')
      expect(await store.has(s(0).id)).toBe(true)
      const pending = store.put(s(1).id, s(1).bytes)
      await store.close()
      await pending // writes queued before close complete
      await store.close()
      expect(await errorName(store.get(s(0).id))).toBe('AbortedError')
      expect(await errorName(store.put(s(2).id, s(2).bytes))).toBe('AbortedError')
    })

    const ctx: ContractContext = {
      fresh,
      reopen: async (place, options) => {
        const store = await place.open(options)
        stores.push(store)
        return store
      }
    }
    registerLeaseContract(ctx)
    registerAuditContract(ctx)
    registerModelProperty(harness)
  })
}
