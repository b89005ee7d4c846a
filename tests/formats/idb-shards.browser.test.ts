/**
 * Frozen IndexedDB layouts of the shard database, in Chromium: databases
 * laid out as versions 1 and 2 write them (the schemas below, made with the
 * raw IndexedDB API), holding the shards and records of the filesystem
 * samples (the same shards for the same owners), opened with today's code.
 *   v1:  store `shards` (out-of-line key: id; Uint8Array), store `meta`
 *        (keyPath `id`, index `by-owner` on `owner`; {id, size, storedAt, owner?})
 *   v2:  as v1, `meta` values {id, size, storedAt, owner?, leaseUntil, renewer?},
 *        plus store `outboards` (out-of-line key: id; Uint8Array, none for a
 *        shard of one group) and store `lost` (keyPath `id`; {id, lostAt})
 */
import { describe, it, expect } from 'vitest'
import { computeOutboard, verifyGroups } from '../../src/core/blake3-tree.ts'
import { initBlake3, parseShardCid } from '../../src/core/hash.ts'
import { openIdbStore } from '../../src/store/idb.ts'
import { legacyLeaseUntil } from '../../src/store/lease.ts'
import type { ShardRecord, ShardStore } from '../../src/store/types.ts'
import { fromBase64 } from '../fixtures/formats/samples.ts'
import v1 from '../fixtures/formats/fs-store-v1.json'
import v2 from '../fixtures/formats/fs-store-v2.json'
import manifests from '../fixtures/formats/manifest-v1.json'

interface SampleRecord { id: string, size: number, owner?: string, storedAt: number, leaseUntil?: number, renewer?: string }

const manifestShards = manifests.files[0]?.shardsBase64 as unknown as Record<string, string>
const pattern = Uint8Array.from({ length: v2.patternShard.size }, (_, i) => i % 251)
const shardBytes = (id: string): Uint8Array => id === v2.patternShard.id ? pattern.slice() : fromBase64(manifestShards[id] ?? '')

/** Create a database of `version` with the raw IndexedDB API and fill it. */
async function create (name: string, version: number, upgrade: (db: IDBDatabase) => void, fill: (tx: IDBTransaction) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = () => { resolve() }; r.onerror = () => { reject(r.error) } })
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name, version)
    r.onupgradeneeded = () => { upgrade(r.result) }
    r.onsuccess = () => { resolve(r.result) }
    r.onerror = () => { reject(r.error) }
  })
  const tx = db.transaction([...db.objectStoreNames], 'readwrite')
  fill(tx)
  await new Promise<void>((resolve, reject) => { tx.oncomplete = () => { resolve() }; tx.onerror = () => { reject(tx.error) } })
  db.close()
}

/** Every value of every store, for comparing a database before and after an open. */
async function dump (name: string): Promise<Record<string, Array<[IDBValidKey, unknown]>>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open(name); r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
  const out: Record<string, Array<[IDBValidKey, unknown]>> = {}
  const tx = db.transaction([...db.objectStoreNames])
  for (const store of db.objectStoreNames) {
    out[store] = await new Promise((resolve, reject) => {
      const entries: Array<[IDBValidKey, unknown]> = []
      const r = tx.objectStore(store).openCursor()
      r.onsuccess = () => {
        const cursor = r.result
        if (cursor === null) { resolve(entries); return }
        entries.push([cursor.key, cursor.value])
        cursor.continue()
      }
      r.onerror = () => { reject(r.error) }
    })
  }
  db.close()
  return out
}

function v1Schema (db: IDBDatabase): void {
  db.createObjectStore('shards')
  db.createObjectStore('meta', { keyPath: 'id' }).createIndex('by-owner', 'owner')
}

async function records (store: ShardStore): Promise<SampleRecord[]> {
  const out: ShardRecord[] = []
  for await (const r of store.entries()) out.push(r)
  return out.sort((a, b) => a.id < b.id ? -1 : 1)
}

describe('frozen IndexedDB shard database', () => {
  it('version 1 opens to the recorded records, each with the legacy lease from that open, written back', async () => {
    await initBlake3()
    const name = `frozen-shards-v1-${crypto.randomUUID()}`
    await create(name, 1, v1Schema, tx => {
      for (const r of v1.records) {
        tx.objectStore('shards').put(shardBytes(r.id), r.id)
        tx.objectStore('meta').put(r)
      }
    })
    const now = Date.UTC(2027, 3, 4)
    const store = await openIdbStore({ name, quota: Number.POSITIVE_INFINITY, now: () => now })
    const migrated = v1.records.map(r => ({ ...r, leaseUntil: legacyLeaseUntil(r.storedAt, now) }))
    expect(await records(store)).toEqual(migrated)
    for (const r of v1.records) expect(await store.get(r.id)).toEqual(shardBytes(r.id))
    await store.close()
    const after = await dump(name)
    expect(Object.keys(after).sort()).toEqual(['lost', 'meta', 'outboards', 'shards'])
    expect(after.meta?.map(([, v]) => v)).toEqual(migrated)
    expect(after.outboards).toEqual([])
    indexedDB.deleteDatabase(name)
  })

  it('version 2 opens to the recorded records, leases, renewer, loss and shards, answers an audit, and opening changes nothing', async () => {
    await initBlake3()
    const name = `frozen-shards-v2-${crypto.randomUUID()}`
    const records2 = v2.records as SampleRecord[]
    await create(name, 2, db => {
      v1Schema(db)
      db.createObjectStore('outboards')
      db.createObjectStore('lost', { keyPath: 'id' })
    }, tx => {
      for (const r of records2) {
        const bytes = shardBytes(r.id)
        tx.objectStore('shards').put(bytes, r.id)
        tx.objectStore('meta').put(r)
        const outboard = computeOutboard(bytes)
        if (outboard.byteLength > 0) tx.objectStore('outboards').put(outboard, r.id)
      }
      for (const l of v2.lost) tx.objectStore('lost').put(l)
    })
    const before = await dump(name)
    expect(before.outboards?.length).toBe(1)
    const store = await openIdbStore({ name, quota: Number.POSITIVE_INFINITY, now: () => Date.UTC(2026, 0, 1, 0, 10) })
    expect(await records(store)).toEqual(records2)
    for (const r of records2) expect(await store.get(r.id)).toEqual(shardBytes(r.id))
    expect(await store.lost(v2.lost[0]?.id ?? '')).toEqual(v2.lost[0])
    const proof = await store.proof(v2.patternShard.id, [1, 2])
    expect(verifyGroups(parseShardCid(v2.patternShard.id).multihash.digest, v2.patternShard.size, proof.groups, proof.siblings)).toBe(true)
    await store.close()
    expect(await dump(name)).toEqual(before)
    indexedDB.deleteDatabase(name)
  })
})
