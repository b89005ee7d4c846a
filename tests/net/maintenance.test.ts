/**
 * StoreMaintenance over a memory store, driven by a fake clock: a
 * collection at start and then daily, taking shards only once their lease
 * plus the 7-day grace has passed; a dry run that removes nothing; a scrub
 * an hour after start and then weekly; the figures the metrics show.
 */
import { describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { COLLECT_GRACE_MS, leaseFigures, StoreMaintenance } from '../../src/net/shard/maintenance.ts'
import type { CollectReport } from '../../src/store/types.ts'
import { makeShard } from './helpers.ts'
import { FakeClock } from './fake-clock.ts'

const hour = 60 * 60 * 1000
const day = 24 * hour
const T0 = Date.UTC(2026, 0, 1)

async function setup (): Promise<{ clock: FakeClock, store: ShardStore, scrubs: () => number }> {
  const clock = new FakeClock(T0)
  const store = await openMemoryStore({ quota: Infinity, now: clock.now })
  let scrubs = 0
  const scrub = store.scrub.bind(store)
  store.scrub = async (options) => { scrubs++; return await scrub(options) }
  return { clock, store, scrubs: () => scrubs }
}

describe('StoreMaintenance', () => {
  it('collects at start and daily, only past lease + grace; withdraws what it removed', async () => {
    const { clock, store } = await setup()
    const a = makeShard(5000, 1)
    const b = makeShard(6000, 2)
    await store.put(a.id, a.bytes, { owner: 'alice', leaseUntil: T0 + 2 * day })
    await store.put(b.id, b.bytes, { owner: 'alice', leaseUntil: T0 + 20 * day })
    const collected: CollectReport[] = []
    const m = new StoreMaintenance({ store, clock, onCollected: r => { collected.push(r) } }).start()
    await clock.advance(0)
    expect(m.stats.collections).toBe(1)
    expect(collected).toEqual([])

    // a's lease ends on day 2, its grace on day 9: still kept on day 9, gone by day 10
    await clock.advance(9 * day)
    expect(await store.has(a.id)).toBe(true)
    expect(await leaseFigures(store, clock.now())).toEqual({ shards: 2, expiredShards: 1, expiredBytes: 5000 })
    await clock.advance(day)
    expect(await store.has(a.id)).toBe(false)
    expect(await store.has(b.id)).toBe(true)
    expect(collected.map(r => r.shards.map(s => s.id))).toEqual([[a.id]])
    expect(m.stats).toMatchObject({ collections: 11, collectedShards: 1, collectedBytes: 5000 })
    expect(COLLECT_GRACE_MS).toBe(7 * day)
    m.stop()
    expect(clock.sleepers).toBe(0)
  })

  it('a dry run lists what would go and removes nothing', async () => {
    const { clock, store } = await setup()
    const a = makeShard(3000, 3)
    await store.put(a.id, a.bytes, { owner: 'bob', leaseUntil: T0 + day })
    const m = new StoreMaintenance({ store, clock })
    clock.t = T0 + 9 * day
    const dry = await m.collect({ dryRun: true })
    expect(dry.dryRun).toBe(true)
    expect(dry.shards.map(s => [s.id, s.reason])).toEqual([[a.id, 'expired']])
    expect(await store.has(a.id)).toBe(true)
    expect(m.stats.collectedShards).toBe(0)
    const real = await m.collect()
    expect(real.shards.map(s => s.id)).toEqual([a.id])
    expect(await store.has(a.id)).toBe(false)
  })

  it('scrubs an hour after start, then weekly', async () => {
    const { clock, store, scrubs } = await setup()
    const m = new StoreMaintenance({ store, clock }).start()
    await clock.advance(hour - 1)
    expect(scrubs()).toBe(0)
    await clock.advance(1)
    expect(scrubs()).toBe(1)
    await clock.advance(7 * day - 1)
    expect(scrubs()).toBe(1)
    await clock.advance(1)
    expect(scrubs()).toBe(2)
    expect(m.stats.scrubs).toBe(2)
    m.stop()
  })
})
