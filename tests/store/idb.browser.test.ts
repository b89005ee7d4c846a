import { describe, expect, it } from 'vitest'
import { deleteDB, openDB } from 'idb'
import { computeOutboard, verifyGroups } from '../../src/core/blake3-tree.ts'
import { parseShardCid } from '../../src/core/hash.ts'
import { IDB_VERSION, LOST_STORE, META_STORE, openIdbStore, openShardDB, OUTBOARDS_STORE, SHARDS_STORE } from '../../src/store/idb.ts'
import { LEGACY_LEASE_MS } from '../../src/store/lease.ts'
import type { ShardRecord } from '../../src/store/types.ts'
import { requestPersistentStorage } from '../../src/store/persistence.ts'
import { shardStoreContract } from './contract.ts'
import { collect, errorName, makeShard, type StoreHarness, type StorePlace } from './fixtures.ts'

let counter = 0
function dbName (): string {
  return `datamesh-shards-test-${Date.now()}-${counter++}-${Math.random().toString(36).slice(2)}`
}

/** Change the database behind the store's back, through a second connection. */
async function poke (name: string, fn: (db: Awaited<ReturnType<typeof openShardDB>>) => Promise<unknown>): Promise<void> {
  const db = await openShardDB(name)
  try { await fn(db) } finally { db.close() }
}

const idbHarness: StoreHarness = {
  name: 'IndexedDB',
  propertyRuns: 25,
  place: async (): Promise<StorePlace> => {
    const name = dbName()
    return {
      open: async (options = {}) => await openIdbStore({ name, quota: Number.POSITIVE_INFINITY, ...options }),
      corrupt: async (id, bytes) => { await poke(name, async db => await db.put(SHARDS_STORE, bytes, id)) },
      lose: async id => { await poke(name, async db => await db.delete(SHARDS_STORE, id)) },
      flip: async (id, offset) => {
        await poke(name, async db => {
          const bytes = (await db.get(SHARDS_STORE, id) as Uint8Array).slice()
          bytes[offset] = (bytes[offset] as number) ^ 1
          await db.put(SHARDS_STORE, bytes, id)
        })
      },
      legacy: async (shard, storedAt, owner) => {
        await poke(name, async db => {
          await db.put(SHARDS_STORE, shard.bytes.slice(), shard.id)
          // as version 1 wrote it: no lease, no renewer, no outboard
          await db.put(META_STORE, { id: shard.id, size: shard.bytes.byteLength, storedAt, ...(owner !== undefined ? { owner } : {}) } as unknown as ShardRecord)
        })
      },
      forgetLeases: async () => {
        await poke(name, async db => {
          for (const r of await db.getAll(META_STORE)) {
            const { leaseUntil: _, ...rest } = r
            await db.put(META_STORE, rest as ShardRecord)
          }
        })
      },
      outboard: async id => {
        let outboard: Uint8Array | undefined
        await poke(name, async db => { outboard = await db.get(OUTBOARDS_STORE, id) })
        return outboard
      },
      damageOutboard: async (id, outboard) => { await poke(name, async db => await db.put(OUTBOARDS_STORE, outboard.slice(), id)) },
      destroy: async () => { await deleteDB(name) }
    }
  }
}

shardStoreContract(idbHarness)

describe('IndexedDB store', () => {
  it('has the documented schema', async () => {
    const name = dbName()
    const store = await openIdbStore({ name, quota: 1e6, now: () => 5000 })
    const a = await makeShard(100, 1)
    const b = await makeShard(40_000, 2)
    await store.put(a.id, a.bytes, { owner: 'alice', leaseUntil: 9000, renewer: 'rep' })
    await store.put(b.id, b.bytes)
    await store.close()
    const db = await openDB(name)
    expect(db.version).toBe(IDB_VERSION)
    expect(IDB_VERSION).toBe(2)
    expect([...db.objectStoreNames].sort()).toEqual([LOST_STORE, META_STORE, OUTBOARDS_STORE, SHARDS_STORE])
    const tx = db.transaction([SHARDS_STORE, META_STORE, OUTBOARDS_STORE, LOST_STORE])
    expect(tx.objectStore(META_STORE).keyPath).toBe('id')
    expect(tx.objectStore(LOST_STORE).keyPath).toBe('id')
    expect([...tx.objectStore(META_STORE).indexNames]).toEqual(['by-owner'])
    const value: unknown = await tx.objectStore(SHARDS_STORE).get(a.id)
    expect(value).toBeInstanceOf(Uint8Array)
    expect(await tx.objectStore(META_STORE).index('by-owner').getAllKeys('alice')).toEqual([a.id])
    expect(await tx.objectStore(META_STORE).get(a.id)).toEqual({ id: a.id, size: 100, storedAt: 5000, owner: 'alice', leaseUntil: 9000, renewer: 'rep' })
    expect(await tx.objectStore(OUTBOARDS_STORE).getAllKeys()).toEqual([b.id]) // a shard of one group has none
    expect(await tx.objectStore(OUTBOARDS_STORE).get(b.id)).toEqual(computeOutboard(b.bytes))
    db.close()
    await deleteDB(name)
  })

  it('upgrades a version-1 database: legacy leases on open, outboards on first use, nothing lost', async () => {
    const name = dbName()
    const a = await makeShard(100, 1)
    const b = await makeShard(40_000, 2)
    // what version 1 wrote
    const v1 = await openDB(name, 1, {
      upgrade (db) {
        db.createObjectStore(SHARDS_STORE)
        db.createObjectStore(META_STORE, { keyPath: 'id' }).createIndex('by-owner', 'owner')
      }
    })
    await v1.put(SHARDS_STORE, a.bytes, a.id)
    await v1.put(META_STORE, { id: a.id, size: 100, storedAt: 1000, owner: 'alice' })
    await v1.put(SHARDS_STORE, b.bytes, b.id)
    await v1.put(META_STORE, { id: b.id, size: 40_000, storedAt: 2000 })
    v1.close()
    const found = Date.UTC(2027, 0, 1)
    const store = await openIdbStore({ name, quota: 1e6, now: () => found })
    expect(await store.stat(a.id)).toEqual({ id: a.id, size: 100, storedAt: 1000, owner: 'alice', leaseUntil: found + LEGACY_LEASE_MS })
    expect(await store.stat(b.id)).toEqual({ id: b.id, size: 40_000, storedAt: 2000, leaseUntil: found + LEGACY_LEASE_MS })
    expect(await store.get(a.id)).toEqual(a.bytes)
    const proof = await store.proof(b.id, [1])
    expect(verifyGroups(parseShardCid(b.id).multihash.digest, 40_000, proof.groups, proof.siblings)).toBe(true)
    await store.close()
    await poke(name, async db => {
      expect((await db.get(META_STORE, b.id))?.leaseUntil).toBe(found + LEGACY_LEASE_MS) // written back at once
      expect(await db.get(OUTBOARDS_STORE, b.id)).toEqual(computeOutboard(b.bytes))
    })
    await deleteDB(name)
  })

  it('removes orphan halves on open', async () => {
    const name = dbName()
    const a = await makeShard(100, 1)
    const b = await makeShard(100, 2)
    await poke(name, async db => {
      await db.put(SHARDS_STORE, a.bytes, a.id) // bytes without a record
      await db.put(META_STORE, { id: b.id, size: 100, storedAt: 1, leaseUntil: 2 }) // record without bytes
    })
    await poke(name, async db => await db.put(OUTBOARDS_STORE, new Uint8Array(64), b.id)) // an outboard without its shard
    const store = await openIdbStore({ name, quota: 1e6 })
    expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    await store.close()
    await poke(name, async db => {
      expect(await db.count(SHARDS_STORE)).toBe(0)
      expect(await db.count(META_STORE)).toBe(0)
      expect(await db.count(OUTBOARDS_STORE)).toBe(0)
    })
    await deleteDB(name)
  })

  it('treats a stored value that is not bytes as corrupt', async () => {
    const name = dbName()
    const store = await openIdbStore({ name, quota: 1e6 })
    const a = await makeShard(100, 1)
    await store.put(a.id, a.bytes)
    await poke(name, async db => await db.put(SHARDS_STORE, 'garbage' as unknown as Uint8Array, a.id))
    expect(await errorName(store.get(a.id))).toBe('CorruptShardError')
    expect(await collect(store.list())).toEqual([])
    await store.close()
    await deleteDB(name)
  })

  it('reports storage persistence and the browser estimate', async () => {
    const report = await requestPersistentStorage()
    expect(report.supported).toBe(true)
    expect(typeof report.persisted).toBe('boolean')
    expect(report.quota).toBeGreaterThan(0)
    expect(report.usage).toBeGreaterThanOrEqual(0)
  })
})
