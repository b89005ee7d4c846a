/** A reputation book in IndexedDB (browser tabs): one record in a small database of its own. */
import { idbBytesStorage } from '../store/bytes-idb.ts'
import type { ReputationStorage } from './reputation.ts'

export function idbReputationStorage (name = 'datamesh-reputation'): ReputationStorage {
  return idbBytesStorage(name, 'reputation')
}
