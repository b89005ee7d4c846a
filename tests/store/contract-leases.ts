/**
 * The ShardStore contract, part two: leases (put, renew, collect, shards
 * stored before leases, a lost lease record) and the memory of lost ids.
 * Registered by contract.ts for every backend, on a clock the test sets.
 */
import { beforeAll, expect, it } from 'vitest'
import { shardChargeBytes, SHARD_MIN_CHARGE_BYTES } from '../../src/store/charge.ts'
import { LEGACY_LEASE_MS, MAX_LEASE_MS } from '../../src/store/lease.ts'
import type { ContractContext } from './contract.ts'
import { collect, errorName, makeShard, type Shard } from './fixtures.ts'

const DAY = 24 * 60 * 60 * 1000
/** the stores' clock starts here (tests move it) */
const T0 = Date.UTC(2027, 2, 1)

export function registerLeaseContract (ctx: ContractContext): void {
  let shards: Shard[]
  beforeAll(async () => {
    shards = await Promise.all([100, 200, 300, 400, 500, 600].map(async (size, i) => await makeShard(size, 300 + i)))
  })
  const s = (i: number): Shard => shards[i] as Shard
  const clock = { t: T0 }
  const now = (): number => clock.t

  it('gives every shard a lease: the one asked for, capped at MAX_LEASE_MS ahead, or LEGACY_LEASE_MS', async () => {
    clock.t = T0
    const { store, place } = await ctx.fresh({ now })
    await store.put(s(0).id, s(0).bytes, { owner: 'alice', leaseUntil: T0 + DAY, renewer: 'repairer' })
    await store.put(s(1).id, s(1).bytes, { owner: 'alice' })
    await store.putMany([{ ...s(2), owner: 'bob', leaseUntil: T0 + 10 * MAX_LEASE_MS }, { ...s(3), leaseUntil: T0 - DAY }])
    expect(MAX_LEASE_MS).toBe(LEGACY_LEASE_MS)
    expect(await store.stat(s(0).id)).toEqual({ id: s(0).id, size: 100, storedAt: T0, owner: 'alice', leaseUntil: T0 + DAY, renewer: 'repairer' })
    expect(await store.stat(s(1).id)).toEqual({ id: s(1).id, size: 200, storedAt: T0, owner: 'alice', leaseUntil: T0 + LEGACY_LEASE_MS })
    expect((await store.stat(s(2).id))?.leaseUntil).toBe(T0 + MAX_LEASE_MS)
    expect((await store.stat(s(3).id))?.leaseUntil).toBe(T0 - DAY) // already over: kept until collected
    // bad leases and labels refuse the whole batch
    for (const leaseUntil of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(await errorName(store.put(s(4).id, s(4).bytes, { leaseUntil })), String(leaseUntil)).toBe('InvalidParametersError')
    }
    for (const renewer of ['', 'x'.repeat(257), 7 as unknown as string]) {
      expect(await errorName(store.putMany([s(5), { ...s(4), renewer }]))).toBe('InvalidParametersError')
    }
    expect(await store.has(s(4).id)).toBe(false)
    expect(await store.has(s(5).id)).toBe(false)
    // a repeated put changes nothing: renew is how a lease grows
    await store.put(s(0).id, s(0).bytes, { owner: 'alice', leaseUntil: T0 + 5 * DAY, renewer: 'other' })
    expect(await store.stat(s(0).id)).toMatchObject({ leaseUntil: T0 + DAY, renewer: 'repairer' })
    const records = await collect(store.entries())
    await store.close()
    clock.t = T0 + 3 * DAY
    const again = await ctx.reopen(place, { now })
    expect(await collect(again.entries())).toEqual(expect.arrayContaining(records))
    expect((await collect(again.entries())).length).toBe(4)
  })

  it('renews only for the owner or the renewer, to the time asked (capped), never shorter', async () => {
    clock.t = T0
    const { store, place } = await ctx.fresh({ now })
    await store.putMany([
      { ...s(0), owner: 'alice', leaseUntil: T0 + DAY, renewer: 'rep' },
      { ...s(1), owner: 'alice', leaseUntil: T0 + 20 * DAY },
      { ...s(2), owner: 'bob', leaseUntil: T0 + DAY },
      { ...s(3), leaseUntil: T0 + DAY }
    ])
    const ids = [s(0).id, s(1).id, s(2).id, s(3).id, s(4).id]
    clock.t = T0 + DAY / 2
    expect(await store.renew(ids, T0 + 10 * DAY, { by: 'alice' })).toEqual({ extended: [s(0).id], unchanged: [s(1).id] })
    expect(await store.renew(ids, T0 + 12 * DAY, { by: 'rep' })).toEqual({ extended: [s(0).id], unchanged: [] })
    expect(await store.renew(ids, T0 + 30 * DAY, { by: 'mallory' })).toEqual({ extended: [], unchanged: [] })
    expect(await store.renew([s(0).id], T0 + 2 * DAY, { by: 'alice' })).toEqual({ extended: [], unchanged: [s(0).id] })
    expect(await store.renew([s(2).id, s(2).id], T0 + 100 * MAX_LEASE_MS, { by: 'bob' })).toEqual({ extended: [s(2).id], unchanged: [] })
    expect((await store.stat(s(0).id))?.leaseUntil).toBe(T0 + 12 * DAY)
    expect((await store.stat(s(1).id))?.leaseUntil).toBe(T0 + 20 * DAY)
    expect((await store.stat(s(2).id))?.leaseUntil).toBe(clock.t + MAX_LEASE_MS)
    expect((await store.stat(s(3).id))?.leaseUntil).toBe(T0 + DAY) // no owner, no renewer: nobody may renew
    expect(await errorName(store.renew(['not-an-id'], T0, { by: 'alice' }))).toBe('MalformedDataError')
    expect(await errorName(store.renew([s(0).id], -5, { by: 'alice' }))).toBe('InvalidParametersError')
    expect(await errorName(store.renew([s(0).id], T0, { by: '' }))).toBe('InvalidParametersError')
    expect(await errorName(store.renew([s(0).id], T0, {} as { by: string }))).toBe('InvalidParametersError')
    await store.close()
    const again = await ctx.reopen(place, { now })
    expect((await again.stat(s(0).id))?.leaseUntil).toBe(T0 + 12 * DAY)
    expect((await again.stat(s(2).id))?.leaseUntil).toBe(T0 + DAY / 2 + MAX_LEASE_MS)
  })

  it('collects shards past their lease and orphans, each after the grace; a dry run removes nothing', async () => {
    clock.t = T0
    const MIN = SHARD_MIN_CHARGE_BYTES
    const { store, place } = await ctx.fresh({ now, quota: 6 * MIN })
    const grace = 7 * DAY
    await store.putMany([
      { ...s(0), owner: 'alice', leaseUntil: T0 + DAY }, // ends, then the grace passes
      { ...s(1), owner: 'alice', leaseUntil: T0 + 5 * DAY }, // ends, still in its grace
      { ...s(2), owner: 'bob', leaseUntil: T0 + 60 * DAY }, // live
      { ...s(3), leaseUntil: T0 + 60 * DAY } // an orphan: no owner label
    ])
    clock.t = T0 + 3 * DAY
    await store.put(s(4).id, s(4).bytes) // an orphan, stored later
    const at = T0 + DAY + grace + 1
    const expected = [
      { id: s(0).id, size: 100, owner: 'alice', storedAt: T0, leaseUntil: T0 + DAY, reason: 'expired' },
      { id: s(3).id, size: 400, storedAt: T0, leaseUntil: T0 + 60 * DAY, reason: 'orphan' }
    ]
    const dry = await store.collect({ now: at, graceMs: grace, dryRun: true })
    expect(dry).toEqual({ shards: expected, bytes: 2 * MIN, dryRun: true })
    expect(await store.usage()).toMatchObject({ count: 5 })
    expect(await store.collect({ now: T0 + grace, graceMs: grace })).toEqual({ shards: [], bytes: 0, dryRun: false }) // the orphans exactly at the grace: kept
    expect((await store.collect({ now: T0 + DAY + grace, graceMs: grace, dryRun: true })).shards.map(x => x.id)).toEqual([s(3).id]) // s(0) exactly at it: kept
    // the store's clock is the default
    clock.t = at
    const done = await store.collect({ graceMs: grace })
    expect(done).toEqual({ shards: expected, bytes: 2 * MIN, dryRun: false })
    for (const x of [s(0), s(3)]) expect(await store.has(x.id)).toBe(false)
    for (const x of [s(1), s(2), s(4)]) expect(await store.has(x.id)).toBe(true)
    expect(await store.lost(s(0).id)).toBeUndefined() // collected, not lost
    const usage = await store.usage()
    expect(usage).toMatchObject({ bytes: 3 * MIN, count: 3 })
    expect(usage.byOwner.get('alice')).toEqual({ bytes: MIN, count: 1 })
    // the room is free again
    const more = await makeShard(50, 399)
    await store.putMany([more, { ...s(5), owner: 'carol' }, s(0)])
    expect(await errorName(store.put(s(3).id, s(3).bytes))).toBe('QuotaExceededError')
    // later, the rest goes too
    expect((await store.collect({ now: T0 + 100 * DAY, graceMs: grace })).shards.map(x => x.id).sort())
      .toEqual([s(1).id, s(2).id, s(4).id, more.id, s(0).id].sort()) // s(5): carol's, leased until clock.t + LEGACY
    for (const bad of [-1, Number.NaN, '1' as unknown as number]) expect(await errorName(store.collect({ graceMs: bad }))).toBe('InvalidParametersError')
    expect(await errorName(store.collect({ graceMs: 0, now: Number.NaN }))).toBe('InvalidParametersError')
    await store.close()
    const again = await ctx.reopen(place, { now })
    expect(await collect(again.list())).toEqual([s(5).id])
    expect(shardChargeBytes(600)).toBe(MIN)
  })

  it('lets a renew or a delete that lands before a collection\'s removal win', async () => {
    clock.t = T0
    const { store } = await ctx.fresh({ now })
    await store.putMany([{ ...s(0), owner: 'alice', leaseUntil: T0 }, { ...s(1), owner: 'alice', leaseUntil: T0 }, { ...s(2), owner: 'alice', leaseUntil: T0 }])
    clock.t = T0 + 10 * DAY
    // the renew and the delete are queued first; the collection chose its shards before they ran
    const renewed = store.renew([s(0).id], clock.t + DAY, { by: 'alice' })
    const deleted = store.delete(s(1).id)
    const collected = store.collect({ graceMs: DAY })
    expect(await renewed).toEqual({ extended: [s(0).id], unchanged: [] })
    await deleted
    expect((await collected).shards.map(x => x.id)).toEqual([s(2).id])
    expect(await collect(store.list())).toEqual([s(0).id])
  })

  it('gives shards stored before leases LEGACY_LEASE_MS from when they were stored or first found, whichever is later, and keeps it', async () => {
    clock.t = T0
    const { store, place } = await ctx.fresh({ now })
    await store.put(s(0).id, s(0).bytes, { owner: 'alice', leaseUntil: T0 + DAY })
    await store.close()
    const old = T0 - 400 * DAY
    await place.legacy(s(1), old, 'bob')
    await place.legacy(s(2), T0 + 5 * DAY) // stored after the time it is found (clocks differ): its own storedAt counts
    clock.t = T0 + 2 * DAY
    const first = await ctx.reopen(place, { now })
    expect(await first.stat(s(1).id)).toEqual({ id: s(1).id, size: 200, storedAt: old, owner: 'bob', leaseUntil: T0 + 2 * DAY + LEGACY_LEASE_MS })
    expect((await first.stat(s(2).id))?.leaseUntil).toBe(T0 + 5 * DAY + LEGACY_LEASE_MS)
    expect((await first.stat(s(0).id))?.leaseUntil).toBe(T0 + DAY) // a recorded lease stays
    expect((await first.collect({ graceMs: 0, dryRun: true })).shards.map(x => x.id)).toEqual([s(0).id])
    await first.close()
    clock.t = T0 + 50 * DAY
    const later = await ctx.reopen(place, { now })
    expect((await later.stat(s(1).id))?.leaseUntil).toBe(T0 + 2 * DAY + LEGACY_LEASE_MS) // recorded: it does not move
    expect(await later.renew([s(1).id], clock.t + LEGACY_LEASE_MS, { by: 'bob' })).toEqual({ extended: [s(1).id], unchanged: [] })
  })

  it('never ends a lease early when the lease records are lost', async () => {
    clock.t = T0
    const { store, place } = await ctx.fresh({ now })
    await store.putMany([{ ...s(0), owner: 'alice', leaseUntil: T0 + MAX_LEASE_MS }, { ...s(1), owner: 'alice', leaseUntil: T0 + DAY }, { ...s(2), owner: 'bob' }])
    clock.t = T0 + 30 * DAY
    await store.renew([s(1).id], clock.t + MAX_LEASE_MS, { by: 'alice' }) // the longest there is
    const granted = new Map((await collect(store.entries())).map(r => [r.id, r.leaseUntil]))
    await store.close()
    await place.forgetLeases()
    clock.t = T0 + 31 * DAY
    const again = await ctx.reopen(place, { now })
    for (const r of await collect(again.entries())) {
      expect(r.leaseUntil, r.id).toBeGreaterThanOrEqual(granted.get(r.id) as number)
      expect(r.leaseUntil).toBe(clock.t + LEGACY_LEASE_MS)
    }
    expect((await again.collect({ now: T0 + 30 * DAY + MAX_LEASE_MS, graceMs: 0 })).shards).toEqual([])
    expect((await again.stat(s(0).id))?.owner).toBe('alice')
  })

  it('remembers the shards it lost, until they are stored again', async () => {
    clock.t = T0
    const reported: string[] = []
    const { store, place } = await ctx.fresh({ now, onCorrupt: id => { reported.push(id) } })
    await store.putMany([{ ...s(0), owner: 'alice' }, s(1), s(2), s(3)])
    expect(await store.lost(s(0).id)).toBeUndefined()
    await place.corrupt(s(0).id, new Uint8Array(100))
    clock.t = T0 + 1000
    expect(await errorName(store.get(s(0).id))).toBe('CorruptShardError')
    expect(await store.lost(s(0).id)).toEqual({ id: s(0).id, lostAt: T0 + 1000 })
    await place.lose(s(1).id)
    clock.t = T0 + 2000
    expect(await store.scrub()).toEqual({ checked: 3, corrupt: [], missing: [s(1).id] })
    expect(await store.lost(s(1).id)).toEqual({ id: s(1).id, lostAt: T0 + 2000 })
    await store.delete(s(2).id)
    expect(await store.lost(s(2).id)).toBeUndefined() // deleted on purpose: not lost
    expect(await store.lost(s(4).id)).toBeUndefined() // never held
    expect(await errorName(store.lost('nonsense'))).toBe('MalformedDataError')
    expect(reported).toEqual([s(0).id])
    await store.close()
    clock.t = T0 + 3000
    const again = await ctx.reopen(place, { now })
    expect(await again.lost(s(0).id)).toEqual({ id: s(0).id, lostAt: T0 + 1000 })
    expect(await again.lost(s(1).id)).toEqual({ id: s(1).id, lostAt: T0 + 2000 })
    await again.put(s(0).id, s(0).bytes)
    expect(await again.lost(s(0).id)).toBeUndefined() // held again
    expect(await again.lost(s(1).id)).toBeDefined()
    await again.put(s(1).id, s(1).bytes)
    await again.delete(s(0).id) // stored again, then deleted: not lost any more
    expect(await again.lost(s(0).id)).toBeUndefined()
    await again.close()
    const third = await ctx.reopen(place, { now })
    expect(await third.lost(s(0).id)).toBeUndefined()
    await third.delete(s(1).id) // stored again before this open: what was kept as lost no longer counts
    expect(await third.lost(s(1).id)).toBeUndefined()
  })
}
