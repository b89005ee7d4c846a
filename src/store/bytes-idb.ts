/** Small byte records in IndexedDB (the peer identity, the owner's file index), one database each. */
import { openDB } from 'idb'

export interface BytesStorage {
  load: () => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array) => Promise<void>
}

/**
 * The database is opened once and kept open (an index saved after every put
 * would otherwise pay an open per save); if the browser closes it (another
 * tab deleting or upgrading it), the next call opens it again.
 */
export function idbBytesStorage (database: string, key = 'index'): BytesStorage {
  let opening: ReturnType<typeof openDB> | undefined
  const db = async (): Promise<Awaited<ReturnType<typeof openDB>>> => {
    opening ??= openDB(database, 1, {
      upgrade (d) { d.createObjectStore('blobs') },
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
      const v: unknown = await (await db()).get('blobs', key)
      return v instanceof Uint8Array ? v : undefined
    },
    async save (bytes) {
      await (await db()).put('blobs', bytes.slice(), key)
    }
  }
}
