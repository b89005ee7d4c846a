/**
 * Model-based property test of a ShardStore: random sequences of put,
 * putMany, delete, get, renew, collect and the clock moving on, under a
 * random quota, checked against a Map. After every step `usage()` must
 * equal the model's sums of charged bytes (each shard its length, at least
 * 4 KiB), per owner too, and every record (owner, renewer, storedAt, lease)
 * the model's. The pool holds an empty shard, which is always refused.
 */
import { beforeAll, expect, it } from 'vitest'
import fc from 'fast-check'
import { shardChargeBytes } from '../../src/store/charge.ts'
import { LEGACY_LEASE_MS, MAX_LEASE_MS } from '../../src/store/lease.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { collect, errorName, makeShard, type Shard, type StoreHarness } from './fixtures.ts'

const OWNERS = ['alice', 'bob']
const RENEWERS = ['rep', 'bob']
const POOL_SIZES = [0, 1, 64, 333, 4097, 2000, 4096, 9000]
const DAY = 24 * 60 * 60 * 1000

type Command =
  | { op: 'put', i: number, owner?: string | undefined, leaseDays?: number | undefined, renewer?: string | undefined }
  | { op: 'putMany', is: number[] }
  | { op: 'delete', i: number }
  | { op: 'get', i: number }
  | { op: 'renew', is: number[], by: string, days: number }
  | { op: 'tick', days: number }
  | { op: 'collect', graceDays: number, dryRun: boolean }

const index = fc.nat({ max: POOL_SIZES.length - 1 })
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    op: fc.constant('put' as const),
    i: index,
    owner: fc.option(fc.constantFrom(...OWNERS), { nil: undefined }),
    leaseDays: fc.option(fc.integer({ min: -5, max: 120 }), { nil: undefined }),
    renewer: fc.option(fc.constantFrom(...RENEWERS), { nil: undefined })
  }),
  fc.record({ op: fc.constant('putMany' as const), is: fc.array(index, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('delete' as const), i: index }),
  fc.record({ op: fc.constant('get' as const), i: index }),
  fc.record({ op: fc.constant('renew' as const), is: fc.array(index, { maxLength: 4 }), by: fc.constantFrom(...OWNERS, ...RENEWERS, 'mallory'), days: fc.integer({ min: -5, max: 120 }) }),
  fc.record({ op: fc.constant('tick' as const), days: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ op: fc.constant('collect' as const), graceDays: fc.integer({ min: 0, max: 10 }), dryRun: fc.boolean() })
)

interface Model { size: number, owner?: string | undefined, renewer?: string | undefined, storedAt: number, leaseUntil: number }

export function registerModelProperty (harness: StoreHarness): void {
  let pool: Shard[]
  const total = POOL_SIZES.reduce((a, b) => a + shardChargeBytes(b), 0)

  beforeAll(async () => {
    pool = await Promise.all(POOL_SIZES.map(async (size, i) => await makeShard(size, 1000 + i)))
  })

  async function check (store: ShardStore, model: Map<string, Model>): Promise<void> {
    for (const [id, m] of model) {
      const expected = { id, size: m.size, storedAt: m.storedAt, leaseUntil: m.leaseUntil, ...(m.owner !== undefined ? { owner: m.owner } : {}), ...(m.renewer !== undefined ? { renewer: m.renewer } : {}) }
      expect(await store.stat(id)).toEqual(expected)
    }
    const usage = await store.usage()
    let bytes = 0
    const owners = new Map<string, { bytes: number, count: number }>()
    for (const m of model.values()) {
      bytes += shardChargeBytes(m.size)
      if (m.owner === undefined) continue
      const o = owners.get(m.owner) ?? { bytes: 0, count: 0 }
      o.bytes += shardChargeBytes(m.size)
      o.count++
      owners.set(m.owner, o)
    }
    expect(usage.bytes).toBe(bytes)
    expect(usage.count).toBe(model.size)
    expect(usage.byOwner).toEqual(owners)
  }

  async function step (store: ShardStore, model: Map<string, Model>, quota: number, clock: { t: number }, cmd: Command): Promise<void> {
    const used = (): number => [...model.values()].reduce((a, m) => a + shardChargeBytes(m.size), 0)
    const shard = (i: number): Shard => pool[i] as Shard
    const now = clock.t
    switch (cmd.op) {
      case 'put': {
        const x = shard(cmd.i)
        const empty = x.bytes.byteLength === 0
        const fits = model.has(x.id) || used() + shardChargeBytes(x.bytes.byteLength) <= quota
        const leaseUntil = cmd.leaseDays === undefined ? undefined : now + cmd.leaseDays * DAY
        const options = { ...(cmd.owner !== undefined ? { owner: cmd.owner } : {}), ...(leaseUntil !== undefined ? { leaseUntil } : {}), ...(cmd.renewer !== undefined ? { renewer: cmd.renewer } : {}) }
        const result = await errorName(store.put(x.id, x.bytes, options))
        expect(result).toBe(empty ? 'InvalidParametersError' : fits ? 'resolved' : 'QuotaExceededError')
        if (!empty && fits && !model.has(x.id)) {
          const lease = leaseUntil === undefined ? now + LEGACY_LEASE_MS : Math.min(leaseUntil, now + MAX_LEASE_MS)
          model.set(x.id, { size: x.bytes.byteLength, owner: cmd.owner, renewer: cmd.renewer, storedAt: now, leaseUntil: lease })
        }
        break
      }
      case 'putMany': {
        const empty = cmd.is.some(i => shard(i).bytes.byteLength === 0)
        const fresh = new Map<string, Shard>()
        for (const i of cmd.is) if (!model.has(shard(i).id)) fresh.set(shard(i).id, shard(i))
        const needed = [...fresh.values()].reduce((a, x) => a + shardChargeBytes(x.bytes.byteLength), 0)
        const fits = fresh.size === 0 || used() + needed <= quota
        expect(await errorName(store.putMany(cmd.is.map(shard)))).toBe(empty ? 'InvalidParametersError' : fits ? 'resolved' : 'QuotaExceededError')
        if (!empty && fits) for (const [id, x] of fresh) model.set(id, { size: x.bytes.byteLength, storedAt: now, leaseUntil: now + LEGACY_LEASE_MS })
        break
      }
      case 'renew': {
        const until = now + cmd.days * DAY
        const granted = Math.min(until, now + MAX_LEASE_MS)
        const ids = [...new Set(cmd.is.map(i => shard(i).id))]
        const mine = ids.filter(id => model.get(id)?.owner === cmd.by || model.get(id)?.renewer === cmd.by)
        const report = await store.renew(ids, until, { by: cmd.by })
        expect(report.extended.sort()).toEqual(mine.filter(id => granted > (model.get(id) as Model).leaseUntil).sort())
        expect(report.unchanged.sort()).toEqual(mine.filter(id => granted <= (model.get(id) as Model).leaseUntil).sort())
        for (const id of report.extended) (model.get(id) as Model).leaseUntil = granted
        break
      }
      case 'tick':
        clock.t += cmd.days * DAY
        break
      case 'collect': {
        const grace = cmd.graceDays * DAY
        const gone = [...model].filter(([, m]) => m.leaseUntil + grace < now || (m.owner === undefined && m.storedAt + grace < now)).map(([id]) => id)
        const report = await store.collect({ graceMs: grace, dryRun: cmd.dryRun })
        expect(report.shards.map(x => x.id).sort()).toEqual(gone.sort())
        expect(report.bytes).toBe(gone.reduce((a, id) => a + shardChargeBytes((model.get(id) as Model).size), 0))
        if (!cmd.dryRun) for (const id of gone) model.delete(id)
        break
      }
      case 'delete':
        await store.delete(shard(cmd.i).id)
        model.delete(shard(cmd.i).id)
        break
      case 'get': {
        const x = shard(cmd.i)
        if (model.has(x.id)) expect(await store.get(x.id)).toEqual(x.bytes)
        else expect(await errorName(store.get(x.id))).toBe('NotFoundError')
        break
      }
    }
  }

  it('matches a model Map under random put/putMany/delete/get/renew/collect, quota and clock', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: total }), fc.array(command, { maxLength: 25 }), async (quota, commands) => {
      const place = await harness.place()
      const clock = { t: Date.UTC(2027, 0, 1) }
      let store = await place.open({ quota, now: () => clock.t })
      try {
        const model = new Map<string, Model>()
        for (const [n, cmd] of commands.entries()) {
          await step(store, model, quota, clock, cmd)
          await check(store, model)
          if (n === Math.floor(commands.length / 2)) { // what was recorded is what a reopened store finds
            await store.close()
            store = await place.open({ quota, now: () => clock.t })
            await check(store, model)
          }
        }
        expect((await collect(store.list())).sort()).toEqual([...model.keys()].sort())
      } finally {
        await store.close()
        await place.destroy()
      }
    }), { numRuns: harness.propertyRuns })
  })
}
