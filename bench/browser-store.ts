/**
 * IndexedDB shard store and keystore figures, measured in the page.
 * The store figures include what the store always does: BLAKE3 verification
 * of every shard on put and on get.
 */
import { openIdbStore } from '../src/store/idb.ts'
import { openIdbKeyVault } from '../src/store/keyvault/idb.ts'
import { Keystore } from '../src/core/keystore/index.ts'
import { shardCid, initBlake3 } from '../src/core/hash.ts'
import { MiB } from '../src/core/bytes.ts'
import { duration, fill, median, round, type Figure } from './stats.ts'

const SHARD = MiB
const TOTAL = 64 * MiB
const BATCH = 6 // one stripe's shards per transaction

async function storeFigures (runs: number): Promise<Record<string, Figure>> {
  await initBlake3()
  const shards = Array.from({ length: TOTAL / SHARD }, (_, i) => fill(new Uint8Array(SHARD), i + 1))
  const entries = shards.map(bytes => ({ id: shardCid(bytes).toString(), bytes }))
  const writes: number[] = []
  const reads: number[] = []
  for (let r = 0; r <= runs; r++) {
    const name = `bench-shards-${r}-${Date.now()}`
    const store = await openIdbStore({ name, quota: 2 * TOTAL })
    try {
      let t0 = performance.now()
      for (let i = 0; i < entries.length; i += BATCH) await store.putMany(entries.slice(i, i + BATCH))
      const w = performance.now() - t0
      t0 = performance.now()
      const got = await Promise.all(entries.map(async e => await store.get(e.id)))
      const rd = performance.now() - t0
      if (got.reduce((n, b) => n + b.byteLength, 0) !== TOTAL) throw new Error('read back the wrong amount')
      if (r > 0) { writes.push(TOTAL / 1e6 / (w / 1000)); reads.push(TOTAL / 1e6 / (rd / 1000)) } // run 0 warms up
    } finally {
      await store.close()
      await new Promise<void>((resolve) => { const q = indexedDB.deleteDatabase(name); q.onsuccess = () => { resolve() }; q.onerror = () => { resolve() } })
    }
  }
  return {
    'idb.write.MBps': { value: round(median(writes)), unit: 'MB/s' },
    'idb.read.MBps': { value: round(median(reads)), unit: 'MB/s' }
  }
}

/** Unlock a keystore holding one key, sealed with the default Argon2id parameters (m = 64 MiB, t = 3). */
async function keystoreFigures (runs: number): Promise<Record<string, Figure>> {
  const name = `bench-keys-${Date.now()}`
  const vault = await openIdbKeyVault(name)
  const keystore = new Keystore(vault)
  const password = 'correct horse battery staple 1977'
  await keystore.createKey('main', { password })
  try {
    return { 'keystore.unlock.ms': await duration(runs, async () => { keystore.lock(); await keystore.unlock(password) }) }
  } finally {
    keystore.lock()
    vault.close()
    indexedDB.deleteDatabase(name)
  }
}

export async function browserStoreFigures (runs: number): Promise<Record<string, Figure>> {
  return { ...await storeFigures(runs), ...await keystoreFigures(runs) }
}
