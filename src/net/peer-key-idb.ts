/** Peer identity in IndexedDB (browser): one record in a small database of its own. */
import { idbBytesStorage } from '../store/bytes-idb.ts'
import type { PeerKeyStorage } from './peer-key.ts'

export function idbKeyStorage (name = 'datamesh-peer'): PeerKeyStorage {
  return idbBytesStorage(name, 'peer-key')
}
