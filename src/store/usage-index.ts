/**
 * In-memory index of a store's records with running totals (bytes, count, and
 * per owner), so quota checks and `usage()` never touch the medium.
 *
 * Invariant: `bytes`, `count` and every per-owner figure equal the sums over
 * `records`, bytes counted as charged (`shardChargeBytes` of each record's
 * size, ./charge.ts); an owner whose count drops to zero is forgotten.
 */
import { shardChargeBytes } from './charge.ts'
import type { OwnerUsage, ShardRecord } from './types.ts'

export class UsageIndex {
  readonly #records = new Map<string, ShardRecord>()
  readonly #owners = new Map<string, OwnerUsage>()
  #bytes = 0

  /** charged bytes of every record */
  get bytes (): number { return this.#bytes }
  get count (): number { return this.#records.size }

  has (id: string): boolean { return this.#records.has(id) }
  get (id: string): ShardRecord | undefined { return this.#records.get(id) }

  /** Add a record; a record already present is left as it is. */
  add (record: ShardRecord): void {
    if (this.#records.has(record.id)) return
    this.#records.set(record.id, record)
    const charge = shardChargeBytes(record.size)
    this.#bytes += charge
    if (record.owner !== undefined) {
      const o = this.#owners.get(record.owner) ?? { bytes: 0, count: 0 }
      o.bytes += charge
      o.count += 1
      this.#owners.set(record.owner, o)
    }
  }

  /** Change the lease end of a stored record in place (usage does not depend on it). */
  setLease (id: string, leaseUntil: number): void {
    const record = this.#records.get(id)
    if (record !== undefined) record.leaseUntil = leaseUntil
  }

  remove (id: string): void {
    const record = this.#records.get(id)
    if (record === undefined) return
    this.#records.delete(id)
    const charge = shardChargeBytes(record.size)
    this.#bytes -= charge
    if (record.owner !== undefined) {
      const o = this.#owners.get(record.owner)
      if (o !== undefined) {
        o.bytes -= charge
        o.count -= 1
        if (o.count <= 0) this.#owners.delete(record.owner)
      }
    }
  }

  /** A snapshot of the records, safe to iterate while the index changes. */
  snapshot (): ShardRecord[] {
    return [...this.#records.values()]
  }

  /** A copy of one owner's figures (zeros for an owner with nothing stored). */
  owner (owner: string): OwnerUsage {
    const o = this.#owners.get(owner)
    return o === undefined ? { bytes: 0, count: 0 } : { ...o }
  }

  /** A copy of the per-owner figures. */
  owners (): Map<string, OwnerUsage> {
    const out = new Map<string, OwnerUsage>()
    for (const [owner, o] of this.#owners) out.set(owner, { ...o })
    return out
  }
}
