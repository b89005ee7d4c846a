/**
 * In-memory shard store, for tests and short-lived nodes.
 *
 * Invariants: the medium keeps private copies (a caller mutating its buffer
 * after a put, or the buffer returned by a get, changes nothing stored); a
 * `MemoryMedium` outlives the stores opened on it, so a test can close a
 * store and open another on the same contents, or damage bytes behind the
 * store's back with `tamper`.
 */
import type { ShardMedium, ShardRecord, ShardStore, StoreOptions } from './types.ts'
import { openVerifiedStore } from './verified-store.ts'

export interface MemoryStoreOptions extends Partial<StoreOptions> {
  /** share contents between stores (default: a new, empty medium) */
  medium?: MemoryMedium
}

/** Open a memory store; the quota defaults to unlimited. */
export async function openMemoryStore (options: MemoryStoreOptions = {}): Promise<ShardStore> {
  const medium = options.medium ?? new MemoryMedium()
  const storeOptions: StoreOptions = { quota: options.quota ?? Number.POSITIVE_INFINITY }
  if (options.onCorrupt !== undefined) storeOptions.onCorrupt = options.onCorrupt
  if (options.ownerShare !== undefined) storeOptions.ownerShare = options.ownerShare
  return await openVerifiedStore(medium, storeOptions)
}

export class MemoryMedium implements ShardMedium {
  readonly #bytes = new Map<string, Uint8Array>()
  readonly #records = new Map<string, ShardRecord>()

  async load (): Promise<ShardRecord[]> {
    return [...this.#records.values()].map(r => ({ ...r }))
  }

  async read (id: string): Promise<Uint8Array | undefined> {
    return this.#bytes.get(id)?.slice()
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array }>): Promise<void> {
    for (const { record, bytes } of batch) {
      this.#bytes.set(record.id, bytes.slice())
      this.#records.set(record.id, { ...record })
    }
  }

  async remove (ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.#bytes.delete(id)
      this.#records.delete(id)
    }
  }

  async close (): Promise<void> {}

  /** Test hook: replace stored bytes behind the store's back (corruption on the medium). */
  tamper (id: string, bytes: Uint8Array): void {
    if (!this.#bytes.has(id)) throw new Error(`tamper: ${id} is not stored`)
    this.#bytes.set(id, bytes.slice())
  }

  /** Test hook: lose the bytes of an entry but keep its record (a vanished file). */
  lose (id: string): void {
    this.#bytes.delete(id)
  }
}
