/**
 * A reputation book in IndexedDB (browser tabs): one record in a small
 * database of its own, opened once and kept open. A save commits its
 * transaction at once (`commit()`), so a save started as the page goes away
 * (pagehide) is handed to the browser before the page's event loop ends.
 */
import { openDB, type IDBPDatabase } from 'idb'
import type { ReputationStorage } from './reputation.ts'

const STORE = 'blobs'
const KEY = 'reputation'

export function idbReputationStorage (name = 'datamesh-reputation'): ReputationStorage {
  let opening: Promise<IDBPDatabase> | undefined
  const db = async (): Promise<IDBPDatabase> => {
    opening ??= openDB(name, 1, {
      upgrade (d) { d.createObjectStore(STORE) },
      blocking () { void opening?.then(d => { d.close() }); opening = undefined },
      terminated () { opening = undefined }
    })
    try {
      return await opening
    } catch (err) {
      opening = undefined
      throw err
    }
  }
  return {
    async load () {
      const v: unknown = await (await db()).get(STORE, KEY)
      return v instanceof Uint8Array ? v : undefined
    },
    async save (bytes) {
      const tx = (await db()).transaction(STORE, 'readwrite')
      const put = tx.store.put(bytes.slice(), KEY)
      tx.commit()
      await Promise.all([put, tx.done])
    }
  }
}
