/**
 * KeyVault in memory, for tests and for sessions that must leave no trace.
 * Overwritten and deleted records are zeroed (the vault owns its copies).
 */
import { throwIfAborted } from '../../core/errors.ts'
import { wipe } from '../../core/bytes.ts'
import { copyStoredKey, type AbortOptions, type KeyVault, type StoredKey, type VaultBatch } from '../../core/keystore/vault.ts'
import { checkBatch } from './records.ts'

export class MemoryKeyVault implements KeyVault {
  readonly #records = new Map<string, StoredKey>()
  #default: string | undefined

  async list (options?: AbortOptions): Promise<StoredKey[]> {
    throwIfAborted(options?.signal)
    return [...this.#records.values()].map(copyStoredKey)
  }

  async get (name: string, options?: AbortOptions): Promise<StoredKey | undefined> {
    throwIfAborted(options?.signal)
    const r = this.#records.get(name)
    return r === undefined ? undefined : copyStoredKey(r)
  }

  async getDefault (options?: AbortOptions): Promise<string | undefined> {
    throwIfAborted(options?.signal)
    return this.#default
  }

  async write (batch: VaultBatch, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    checkBatch(batch)
    for (const name of batch.delete ?? []) this.#drop(name)
    for (const r of batch.put ?? []) {
      this.#drop(r.name)
      this.#records.set(r.name, copyStoredKey(r))
    }
    if (batch.defaultKey !== undefined) this.#default = batch.defaultKey ?? undefined
  }

  #drop (name: string): void {
    const old = this.#records.get(name)
    if (old === undefined) return
    wipe(old.publicKey, old.sealed)
    this.#records.delete(name)
  }
}
