/**
 * Frozen IndexedDB layouts, in Chromium: a key vault database and an index
 * database laid out as version 1 writes them (the schemas below), holding
 * the records and bytes of the frozen samples, open with today's code.
 *   datamesh-keys v1:  store `keys` (keyPath `name`, StoredKey values), store `meta` (`default` -> name)
 *   <index db> v1:     store `blobs` (`index` -> the stored index bytes, a Uint8Array)
 */
import { describe, it, expect } from 'vitest'
import { ARGON2_MIN } from '../../src/core/keystore/argon2.ts'
import { Keystore } from '../../src/core/keystore/keystore.ts'
import { openIdbKeyVault } from '../../src/store/keyvault/idb.ts'
import { idbBytesStorage } from '../../src/store/bytes-idb.ts'
import { FileIndex } from '../../src/mesh/index-store.ts'
import { fromBase64, fromHex, toHex } from '../fixtures/formats/samples.ts'
import vaultSample from '../fixtures/formats/keyvault-v1.json'
import indexSample from '../fixtures/formats/index-v1.json'
import identities from '../fixtures/formats/identity-v1.json'

/** Create a version-1 database with the raw IndexedDB API and fill it. */
async function createV1 (name: string, upgrade: (db: IDBDatabase) => void, fill: (tx: IDBTransaction) => void, stores: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = () => { resolve() }; r.onerror = () => { reject(r.error) } })
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name, 1)
    r.onupgradeneeded = () => { upgrade(r.result) }
    r.onsuccess = () => { resolve(r.result) }
    r.onerror = () => { reject(r.error) }
  })
  const tx = db.transaction(stores, 'readwrite')
  fill(tx)
  await new Promise<void>((resolve, reject) => { tx.oncomplete = () => { resolve() }; tx.onerror = () => { reject(tx.error) } })
  db.close()
}

describe('frozen IndexedDB layouts (v1)', () => {
  it('a key vault database opens and unlocks to the sample identities', async () => {
    const name = `frozen-keys-${crypto.randomUUID()}`
    await createV1(name, db => {
      db.createObjectStore('keys', { keyPath: 'name' })
      db.createObjectStore('meta')
    }, tx => {
      for (const r of vaultSample.records) tx.objectStore('keys').put({ name: r.name, created: r.created, publicKey: fromHex(r.publicKeyHex), sealed: fromHex(r.sealedHex) })
      tx.objectStore('meta').put(vaultSample.defaultKey, 'default')
    }, ['keys', 'meta'])
    const vault = await openIdbKeyVault(name)
    expect(await vault.getDefault()).toBe(vaultSample.defaultKey)
    expect((await vault.list()).map(r => [r.name, r.created, toHex(r.sealed)]).sort())
      .toEqual(vaultSample.records.map(r => [r.name, r.created, r.sealedHex]).sort())
    const keystore = new Keystore(vault, { argon2: ARGON2_MIN })
    const keys = await keystore.unlock(vaultSample.password)
    expect(keys.map(k => [k.name, k.publicKeyString]).sort())
      .toEqual(vaultSample.records.map(r => [r.name, identities.identities.find(i => i.name === r.identity)?.publicKeyString]).sort())
  })

  it('an index database loads to the recorded entries', async () => {
    const name = `frozen-index-${crypto.randomUUID()}`
    await createV1(name, db => { db.createObjectStore('blobs') }, tx => {
      tx.objectStore('blobs').put(fromBase64(indexSample.storedBase64), 'index')
    }, ['blobs'])
    const index = new FileIndex(idbBytesStorage(name))
    await index.load()
    expect(index.entries().map(e => [e.key, e.name, e.size, toHex(e.wrappedKey)])).toEqual(indexSample.entries.map(e => [e.key, e.name, e.size, e.wrappedKeyHex]))
    expect(index.backup).toEqual(indexSample.backup)
  })
})
