/** Small byte records in IndexedDB (the peer identity, the owner's file index), one database each. */
import { openDB } from 'idb'

export interface BytesStorage {
  load: () => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array) => Promise<void>
}

export function idbBytesStorage (database: string, key = 'index'): BytesStorage {
  const db = async (): Promise<Awaited<ReturnType<typeof openDB>>> => await openDB(database, 1, {
    upgrade (d) { d.createObjectStore('blobs') }
  })
  return {
    async load () {
      const d = await db()
      try {
        const v: unknown = await d.get('blobs', key)
        return v instanceof Uint8Array ? v : undefined
      } finally { d.close() }
    },
    async save (bytes) {
      const d = await db()
      try { await d.put('blobs', bytes.slice(), key) } finally { d.close() }
    }
  }
}
