/**
 * Model-based property test of a ShardStore: random sequences of put,
 * putMany, delete and get, under a random quota, checked against a Map.
 * After every step `usage()` must equal the model's sums of charged bytes
 * (each shard its length, at least 4 KiB), per owner too. The pool holds an
 * empty shard, which is always refused.
 */
import { beforeAll, expect, it } from 'vitest'
import fc from 'fast-check'
import { shardChargeBytes } from '../../src/store/charge.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { collect, errorName, makeShard, type Shard, type StoreHarness } from './fixtures.ts'

const OWNERS = ['alice', 'bob']
const POOL_SIZES = [0, 1, 64, 333, 4097, 2000, 4096, 9000]

type Command =
  | { op: 'put', i: number, owner?: string | undefined }
  | { op: 'putMany', is: number[] }
  | { op: 'delete', i: number }
  | { op: 'get', i: number }

const index = fc.nat({ max: POOL_SIZES.length - 1 })
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), i: index, owner: fc.option(fc.constantFrom(...OWNERS), { nil: undefined }) }),
  fc.record({ op: fc.constant('putMany' as const), is: fc.array(index, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('delete' as const), i: index }),
  fc.record({ op: fc.constant('get' as const), i: index })
)

interface Model { size: number, owner?: string | undefined }

export function registerModelProperty (harness: StoreHarness): void {
  let pool: Shard[]
  const total = POOL_SIZES.reduce((a, b) => a + shardChargeBytes(b), 0)

  beforeAll(async () => {
    pool = await Promise.all(POOL_SIZES.map(async (size, i) => await makeShard(size, 1000 + i)))
  })

  async function check (store: ShardStore, model: Map<string, Model>): Promise<void> {
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

  async function step (store: ShardStore, model: Map<string, Model>, quota: number, cmd: Command): Promise<void> {
    const used = (): number => [...model.values()].reduce((a, m) => a + shardChargeBytes(m.size), 0)
    const shard = (i: number): Shard => pool[i] as Shard
    switch (cmd.op) {
      case 'put': {
        const x = shard(cmd.i)
        const empty = x.bytes.byteLength === 0
        const fits = model.has(x.id) || used() + shardChargeBytes(x.bytes.byteLength) <= quota
        const result = await errorName(store.put(x.id, x.bytes, cmd.owner === undefined ? {} : { owner: cmd.owner }))
        expect(result).toBe(empty ? 'InvalidParametersError' : fits ? 'resolved' : 'QuotaExceededError')
        if (!empty && fits && !model.has(x.id)) model.set(x.id, { size: x.bytes.byteLength, owner: cmd.owner })
        break
      }
      case 'putMany': {
        const empty = cmd.is.some(i => shard(i).bytes.byteLength === 0)
        const fresh = new Map<string, Shard>()
        for (const i of cmd.is) if (!model.has(shard(i).id)) fresh.set(shard(i).id, shard(i))
        const needed = [...fresh.values()].reduce((a, x) => a + shardChargeBytes(x.bytes.byteLength), 0)
        const fits = fresh.size === 0 || used() + needed <= quota
        expect(await errorName(store.putMany(cmd.is.map(shard)))).toBe(empty ? 'InvalidParametersError' : fits ? 'resolved' : 'QuotaExceededError')
        if (!empty && fits) for (const [id, x] of fresh) model.set(id, { size: x.bytes.byteLength })
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

  it('matches a model Map under random put/putMany/delete/get and quota', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: total }), fc.array(command, { maxLength: 25 }), async (quota, commands) => {
      const place = await harness.place()
      const store = await place.open({ quota })
      try {
        const model = new Map<string, Model>()
        for (const cmd of commands) {
          await step(store, model, quota, cmd)
          await check(store, model)
        }
        expect((await collect(store.list())).sort()).toEqual([...model.keys()].sort())
      } finally {
        await store.close()
        await place.destroy()
      }
    }), { numRuns: harness.propertyRuns })
  })
}
