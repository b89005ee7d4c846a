/**
 * Leases end to end over real libp2p nodes on 127.0.0.1, on a fake clock
 * shared by the owners' meshes, the holders' shard services and stores: a
 * put asks every holder for a 30-day lease; an owner whose LeaseKeeper
 * renews daily keeps its file through 40 days of collections, while a file
 * nobody renews is collected once its lease and the 7-day grace have
 * passed (a dry run first lists it and removes nothing); mesh.cleanup runs
 * the same collection over a node's own store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Libp2p } from 'libp2p'
import { generateIdentity, signerFromIdentity, type Identity } from '../../src/core/keys/index.ts'
import { fileRepairId } from '../../src/core/keys/repair-key.ts'
import { ownerId } from '../../src/net/shard/index.ts'
import { initBlake3 } from '../../src/core/hash.ts'
import { createMesh, meshKeysFromIdentity, type Mesh, type RenewLeasesResult } from '../../src/mesh/index.ts'
import { DEFAULT_LEASE_MS } from '../../src/mesh/lease-keeper.ts'
import { manifestShardId } from '../../src/mesh/resolve.ts'
import { infoProtocol } from '../../src/net/info/index.ts'
import { createServerNode } from '../../src/net/server-node.ts'
import { COLLECT_GRACE_MS, shardProtocol, StoreMaintenance } from '../../src/net/shard/index.ts'
import { openMemoryStore } from '../../src/store/memory.ts'
import type { ShardStore } from '../../src/store/types.ts'
import { FakeClock } from '../net/fake-clock.ts'
import { providerRecordKey, type ProviderRecordStore } from '../../src/net/announce-queue.ts'
import { dial, randomBytes } from './helpers.ts'

const day = 24 * 60 * 60 * 1000
type Node = Libp2p<Record<string, unknown>>

const clock = new FakeClock(Date.now())
const holders: Array<{ node: Node, store: ShardStore }> = []
const clients: Node[] = []

async function holder (): Promise<{ node: Node, store: ShardStore }> {
  const store = await openMemoryStore({ quota: Infinity, now: clock.now })
  const node = await createServerNode({
    nodeType: 'storage',
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    allowPrivateAddresses: true,
    services: {
      shard: shardProtocol({ store, now: clock.now, admission: { perPeer: 1000 } }),
      info: infoProtocol({ nodeType: 'storage', store })
    }
  })
  return { node, store }
}

async function owner (store?: ShardStore, identity: Identity = generateIdentity(), datastore?: ProviderRecordStore): Promise<Mesh> {
  const node = await createServerNode({
    nodeType: 'storage',
    allowPrivateAddresses: true,
    services: {
      shard: shardProtocol({ now: clock.now, ...(store !== undefined ? { store } : {}) }),
      info: infoProtocol({ nodeType: 'browser', serve: false })
    }
  })
  clients.push(node)
  for (const h of holders) await dial(node, h.node.getMultiaddrs()[0]!.toString())
  return createMesh({
    libp2p: node,
    keys: meshKeysFromIdentity(identity),
    config: { k: 2, m: 1, stripeSize: 256 * 1024, requestTimeout: 5000, hedgeDelay: 500 },
    now: clock.now,
    ...(store !== undefined ? { store } : {}),
    ...(datastore !== undefined ? { datastore } : {})
  })
}

/** The shard ids of a file (stripe shards and the manifest), from the holders' stores. */
async function held (): Promise<Set<string>> {
  const ids = new Set<string>()
  for (const h of holders) for await (const id of h.store.list()) ids.add(id)
  return ids
}

beforeAll(async () => {
  await initBlake3()
  for (let i = 0; i < 3; i++) holders.push(await holder())
})

afterAll(async () => {
  await Promise.all([...clients, ...holders.map(h => h.node)].map(async n => { await n.stop() }))
  await Promise.all(holders.map(async h => { await h.store.close() }))
})

describe('leases end to end', () => {
  it('keeps a file its owner renews, and collects one nobody renews after its lease and the grace', async () => {
    const aliceKeys = generateIdentity()
    const alice = await owner(undefined, aliceKeys)
    const bob = await owner()
    const start = clock.now()
    const before = await held()
    const kept = await alice.put(randomBytes(600_000), { name: 'kept.bin' }) // three stripes
    const mine = new Set([...await held()].filter(id => !before.has(id)))
    const lapsed = await bob.put(randomBytes(90_000), { name: 'lapsed.bin' })
    const bobs = new Set([...await held()].filter(id => !before.has(id) && !mine.has(id)))
    // alice's index backup: its copies are renewed with her files
    const files = new Set(mine)
    const backup = await alice.backupIndex()
    mine.add(backup.id)
    expect(mine.has(manifestShardId(kept.key).toString())).toBe(true)
    expect(bobs.has(manifestShardId(lapsed.key).toString())).toBe(true)
    // every copy was stored with the lease the put asked for, and with the file's repair key (derived
    // from the file's secret key, known before the first stripe leaves) as renewer: stripes and manifest alike
    const repairLabel = ownerId(signerFromIdentity(aliceKeys).forFile(fileRepairId((await alice.share('kept.bin')).fileKey)).publicKey)
    expect(files.size).toBe(3 * 3 + 1)
    for (const h of holders) {
      for await (const r of h.store.entries()) {
        expect(r.leaseUntil).toBe(start + DEFAULT_LEASE_MS)
        if (files.has(r.id)) expect(r.renewer).toBe(repairLabel)
      }
    }

    const runs: RenewLeasesResult[] = []
    let ran: (() => void) | undefined
    // holders from the hints and manifest holders only: a DHT lookup per shard would add ~0.3 s to each of the 41 runs
    const keeper = alice.leaseKeeper({ clock, providers: false, onResult: o => { if (o.ok) runs.push(o.result); ran?.() } }).start()
    const collectors = holders.map(h => new StoreMaintenance({ store: h.store, clock }))
    const nextRun = async (): Promise<void> => { await new Promise<void>(resolve => { ran = resolve }) }
    try {
      await nextRun() // at once
      for (let d = 1; d <= 40; d++) {
        const run = nextRun()
        await clock.advance(day)
        await run
        if (d === 36) {
          // bob's lease ended on day 30; his copies wait out the grace
          for (const c of collectors) await c.collect()
          const now = await held()
          for (const id of bobs) expect(now.has(id)).toBe(true)
        }
      }
      expect(runs).toHaveLength(41)
      const last = runs.at(-1)!
      expect(last).toMatchObject({ files: 1, missing: [], failed: [], unrenewed: 0 })
      expect(last.shards).toBe(mine.size)
      expect(last.until).toBe(clock.now() + DEFAULT_LEASE_MS)

      // day 40: a dry run lists bob's copies, and removes nothing
      const dry = await Promise.all(collectors.map(async c => await c.collect({ dryRun: true })))
      expect(new Set(dry.flatMap(r => r.shards.map(s => s.id)))).toEqual(bobs)
      expect(new Set([...await held()].filter(id => !before.has(id)))).toEqual(new Set([...mine, ...bobs]))
      // the real collection takes exactly bob's
      const real = await Promise.all(collectors.map(async c => await c.collect()))
      expect(new Set(real.flatMap(r => r.shards.map(s => s.id)))).toEqual(bobs)
      const after = await held()
      for (const id of mine) expect(after.has(id)).toBe(true)
      for (const id of bobs) expect(after.has(id)).toBe(false)
      expect(clock.now() - start).toBeGreaterThan(DEFAULT_LEASE_MS + COLLECT_GRACE_MS)
      // and alice still reads her file
      expect((await alice.get('kept.bin')).size).toBe(600_000)
      // with DHT lookups too (the holders announce nothing here): the same holders, the same ids
      expect(await alice.renewLeases()).toMatchObject({ files: 1, shards: mine.size, unrenewed: 0, holders: last.holders })
    } finally {
      keeper.stop()
    }
  }, 120_000)

  it('mesh.cleanup collects the node\'s own store: a dry run lists, the real one removes', async () => {
    const store = await openMemoryStore({ quota: Infinity, now: clock.now })
    const deleted: string[] = []
    const carol = await owner(store, generateIdentity(), { delete: async key => { deleted.push(key.toString()) } })
    const old = randomBytes(5000)
    const { shardCid } = await import('../../src/core/hash.ts')
    const id = shardCid(old).toString()
    await store.put(id, old, { owner: 'someone', leaseUntil: clock.now() - COLLECT_GRACE_MS - 1 })
    const fresh = randomBytes(5000)
    const freshId = shardCid(fresh).toString()
    await store.put(freshId, fresh, { owner: 'someone', leaseUntil: clock.now() + day })
    const dry = await carol.cleanup({ dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, graceMs: COLLECT_GRACE_MS, bytes: 5000 })
    expect(dry.shards.map(s => s.id)).toEqual([id])
    expect(await store.has(id)).toBe(true)
    const real = await carol.cleanup()
    expect(real.shards.map(s => s.id)).toEqual([id])
    expect(await store.has(id)).toBe(false)
    expect(await store.has(freshId)).toBe(true)
    // what it removed is withdrawn: this node's own provider record deleted (the dry run withdrew nothing)
    expect(deleted).toEqual([providerRecordKey(id, clients.at(-1)!.peerId.toString()).toString()])
    await store.close()
  })
})
