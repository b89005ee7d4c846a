/**
 * In-memory shard store, for tests and short-lived nodes.
 *
 * Invariants: the medium keeps private copies (a caller mutating its buffer
 * after a put, or the buffer returned by a get, changes nothing stored); a
 * `MemoryMedium` outlives the stores opened on it, so a test can close a
 * store and open another on the same contents, or damage bytes behind the
 * store's back with `tamper`.
 */
import { legacyLeaseUntil } from './lease.ts'
import type { ByteRange, LostShard, MediumState, ShardMedium, ShardParts, ShardRecord, ShardStore, StoreOptions } from './types.ts'
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
  if (options.now !== undefined) storeOptions.now = options.now
  return await openVerifiedStore(medium, storeOptions)
}

export class MemoryMedium implements ShardMedium {
  readonly #bytes = new Map<string, Uint8Array>()
  readonly #records = new Map<string, ShardRecord>()
  readonly #outboards = new Map<string, Uint8Array>()
  #lost: LostShard[] = []

  async load (now: number): Promise<MediumState> {
    for (const r of this.#records.values()) {
      // a record put with `putLegacy` has none
      if (!Number.isFinite(r.leaseUntil)) r.leaseUntil = legacyLeaseUntil(r.storedAt, now)
    }
    return { records: [...this.#records.values()].map(r => ({ ...r })), lost: this.#lost.map(l => ({ ...l })) }
  }

  async read (id: string): Promise<Uint8Array | undefined> {
    return this.#bytes.get(id)?.slice()
  }

  async readParts (id: string, ranges: readonly ByteRange[], options: { outboard: boolean }): Promise<ShardParts | undefined> {
    const bytes = this.#bytes.get(id)
    if (bytes === undefined) return undefined
    const parts: ShardParts = { size: bytes.byteLength, parts: ranges.map(r => bytes.slice(r.offset, r.offset + r.length)) }
    const outboard = this.#outboards.get(id)
    if (options.outboard && outboard !== undefined) parts.outboard = outboard.slice()
    return parts
  }

  async write (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array, outboard: Uint8Array }>): Promise<void> {
    for (const { record, bytes, outboard } of batch) {
      this.#bytes.set(record.id, bytes.slice())
      this.#records.set(record.id, { ...record })
      this.#outboards.set(record.id, outboard.slice())
    }
  }

  async keepOutboard (record: ShardRecord, outboard: Uint8Array): Promise<void> {
    if (this.#records.has(record.id)) this.#outboards.set(record.id, outboard.slice())
  }

  async remove (ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.#bytes.delete(id)
      this.#records.delete(id)
      this.#outboards.delete(id)
    }
  }

  async setLeases (leases: ReadonlyArray<{ id: string, leaseUntil: number }>): Promise<void> {
    for (const { id, leaseUntil } of leases) {
      const record = this.#records.get(id)
      if (record !== undefined) record.leaseUntil = leaseUntil
    }
  }

  async setLost (lost: readonly LostShard[]): Promise<void> {
    this.#lost = lost.map(l => ({ ...l }))
  }

  async close (): Promise<void> {}

  /** Test hook: a shard as a build that kept no leases and no outboards stored it. */
  putLegacy (record: Omit<ShardRecord, 'leaseUntil'>, bytes: Uint8Array): void {
    this.#bytes.set(record.id, bytes.slice())
    this.#records.set(record.id, { ...record, leaseUntil: Number.NaN })
    this.#outboards.delete(record.id)
  }

  /** Test hook: forget every recorded lease (as if their record were lost). */
  forgetLeases (): void {
    for (const r of this.#records.values()) r.leaseUntil = Number.NaN
  }

  /** Test hook: replace a kept outboard behind the store's back, or drop it (undefined). */
  tamperOutboard (id: string, outboard: Uint8Array | undefined): void {
    if (outboard === undefined) this.#outboards.delete(id)
    else this.#outboards.set(id, outboard.slice())
  }

  /** Test hook: the outboard kept for `id`, if any. */
  outboard (id: string): Uint8Array | undefined {
    return this.#outboards.get(id)?.slice()
  }

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
