import { describe, expect, it } from 'vitest'
import { deleteDB, openDB } from 'idb'
import { IDB_VERSION, META_STORE, openIdbStore, openShardDB, SHARDS_STORE } from '../../src/store/idb.ts'
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
      destroy: async () => { await deleteDB(name) }
    }
  }
}

shardStoreContract(idbHarness)

describe('IndexedDB store', () => {
  it('has the documented schema', async () => {
    const name = dbName()
    const store = await openIdbStore({ name, quota: 1e6 })
    const a = await makeShard(100, 1)
    await store.put(a.id, a.bytes, { owner: 'alice' })
    await store.close()
    const db = await openDB(name)
    expect(db.version).toBe(IDB_VERSION)
    expect([...db.objectStoreNames].sort()).toEqual([META_STORE, SHARDS_STORE])
    const tx = db.transaction([SHARDS_STORE, META_STORE])
    expect(tx.objectStore(META_STORE).keyPath).toBe('id')
    expect([...tx.objectStore(META_STORE).indexNames]).toEqual(['by-owner'])
    const value: unknown = await tx.objectStore(SHARDS_STORE).get(a.id)
    expect(value).toBeInstanceOf(Uint8Array)
    expect(await tx.objectStore(META_STORE).index('by-owner').getAllKeys('alice')).toEqual([a.id])
    db.close()
    await deleteDB(name)
  })

  it('removes orphan halves on open', async () => {
    const name = dbName()
    const a = await makeShard(100, 1)
    const b = await makeShard(100, 2)
    await poke(name, async db => {
      await db.put(SHARDS_STORE, a.bytes, a.id) // bytes without a record
      await db.put(META_STORE, { id: b.id, size: 100, storedAt: 1 }) // record without bytes
    })
    const store = await openIdbStore({ name, quota: 1e6 })
    expect(await store.usage()).toMatchObject({ bytes: 0, count: 0 })
    await store.close()
    await poke(name, async db => {
      expect(await db.count(SHARDS_STORE)).toBe(0)
      expect(await db.count(META_STORE)).toBe(0)
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
