/**
 * KeyVault in IndexedDB (browsers) through idb.
 *
 * Schema `datamesh-keys`, version 1:
 *   keys  records by `name` (StoredKey: name, created, publicKey, sealed)
 *   meta  `default` -> the default key name
 * A batch is one readwrite transaction over both stores, so it is all or
 * nothing; an AbortSignal aborts the transaction. Writes resolve on `tx.done`
 * and must reject if it rejects.
 *
 * Erasure: the keystore overwrites a record before deleting it, but
 * Chromium's IndexedDB (LevelDB) and Firefox's (SQLite) keep superseded
 * values in logs and free pages until compaction, and the disk below may keep
 * more. Deleted keys stay sealed under the password; nothing here can promise
 * their bytes are gone.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { throwIfAborted } from '../../core/errors.ts'
import { copyStoredKey, type AbortOptions, type KeyVault, type StoredKey, type VaultBatch } from '../../core/keystore/vault.ts'
import { checkBatch, checkReadRecord } from './records.ts'

export const KEYVAULT_DB_NAME = 'datamesh-keys'
export const KEYVAULT_DB_VERSION = 1
const DEFAULT_KEY = 'default'

export interface KeyVaultSchema extends DBSchema {
  keys: { key: string, value: StoredKey }
  meta: { key: string, value: string }
}

export async function openIdbKeyVault (name = KEYVAULT_DB_NAME): Promise<IdbKeyVault> {
  const db = await openDB<KeyVaultSchema>(name, KEYVAULT_DB_VERSION, {
    upgrade (db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('keys', { keyPath: 'name' })
        db.createObjectStore('meta')
      }
    }
  })
  return new IdbKeyVault(db)
}

export class IdbKeyVault implements KeyVault {
  readonly #db: IDBPDatabase<KeyVaultSchema>

  constructor (db: IDBPDatabase<KeyVaultSchema>) {
    this.#db = db
  }

  async list (options?: AbortOptions): Promise<StoredKey[]> {
    throwIfAborted(options?.signal)
    return (await this.#db.getAll('keys')).map(checkReadRecord)
  }

  async get (name: string, options?: AbortOptions): Promise<StoredKey | undefined> {
    throwIfAborted(options?.signal)
    const r = await this.#db.get('keys', name)
    return r === undefined ? undefined : checkReadRecord(r)
  }

  async getDefault (options?: AbortOptions): Promise<string | undefined> {
    throwIfAborted(options?.signal)
    const d = await this.#db.get('meta', DEFAULT_KEY)
    return typeof d === 'string' ? d : undefined
  }

  async write (batch: VaultBatch, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    checkBatch(batch)
    const tx = this.#db.transaction(['keys', 'meta'], 'readwrite')
    const onAbort = (): void => { try { tx.abort() } catch {} }
    options?.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const keys = tx.objectStore('keys')
      const meta = tx.objectStore('meta')
      const requests: Array<Promise<unknown>> = []
      for (const name of batch.delete ?? []) requests.push(keys.delete(name))
      for (const r of batch.put ?? []) requests.push(keys.put(copyStoredKey(r)))
      if (batch.defaultKey === null) requests.push(meta.delete(DEFAULT_KEY))
      else if (batch.defaultKey !== undefined) requests.push(meta.put(batch.defaultKey, DEFAULT_KEY))
      await Promise.all([...requests, tx.done])
    } catch (err) {
      throwIfAborted(options?.signal)
      throw err
    } finally {
      options?.signal?.removeEventListener('abort', onAbort)
    }
  }

  close (): void {
    this.#db.close()
  }
}
