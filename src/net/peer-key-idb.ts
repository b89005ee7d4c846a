/** Peer identity in IndexedDB (browser): one record in a small database of its own. */
import { openDB } from 'idb'
import type { PeerKeyStorage } from './peer-key.ts'

const DB = 'datamesh-peer'
const STORE = 'identity'

export function idbKeyStorage (name = DB): PeerKeyStorage {
  const db = async (): Promise<Awaited<ReturnType<typeof openDB>>> => await openDB(name, 1, {
    upgrade (d) { d.createObjectStore(STORE) }
  })
  return {
    async load () {
      const d = await db()
      try {
        const v: unknown = await d.get(STORE, 'peer-key')
        return v instanceof Uint8Array ? v : undefined
      } finally { d.close() }
    },
    async save (bytes) {
      const d = await db()
      try { await d.put(STORE, bytes, 'peer-key') } finally { d.close() }
    }
  }
}
