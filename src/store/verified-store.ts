/**
 * The one `ShardStore` implementation: verification, quota accounting and
 * scrub over any `ShardMedium` (IndexedDB, filesystem, memory).
 *
 * Invariants (see types.ts for the contract):
 * - Ids are canonicalised with `parseShardCid(id).toString()` at every entry.
 * - Bytes are hashed before anything is written and after everything is read;
 *   bad bytes are never stored nor returned. Empty shards are refused.
 * - Quota checks (the store's, and each owner's share of it, in charged
 *   bytes: ./charge.ts), medium write and index update run under one
 *   `WriteLock`, so concurrent puts can neither double count nor overshoot.
 * - The in-memory `UsageIndex` is the authority on what is stored; it is
 *   loaded from the medium on open and changed only after the medium changed.
 * - A corrupt or vanished entry is re-checked under the lock before it is
 *   removed, so a concurrent delete + put of the same id is never undone;
 *   once removed it is remembered as lost (./lost.ts).
 * - Lease changes (renew) and removals by `collect` run under the same
 *   lock, and a collection judges each shard again under it, so a renew or
 *   a put that lands first always wins.
 */
import { AbortedError, CorruptShardError, InvalidParametersError, NotFoundError, QuotaExceededError, throwIfAborted } from '../core/errors.ts'
import { proveGroups } from '../core/blake3-tree.ts'
import { initBlake3, matchesCid, parseShardCid } from '../core/hash.ts'
import type { CID } from 'multiformats/cid'
import type {
  AbortOptions, CollectOptions, CollectReport, LostShard, OwnerUsage, PutOptions, RenewOptions, RenewReport, ScrubOptions, ScrubReport,
  ShardEntry, ShardMedium, ShardProof, ShardRecord, ShardStore, StoreOptions, StoreUsage
} from './types.ts'
import { checkedOutboard, proofIndices, rangeGroups, readGroups, sliceGroups, type GroupSource } from './ranges.ts'
import { shardChargeBytes } from './charge.ts'
import { checkLabel, grantedLease, LEGACY_LEASE_MS, MAX_LABEL_LENGTH } from './lease.ts'
import { collectShards, renewLeases, type LeaseState } from './lease-ops.ts'
import { LostShards } from './lost.ts'
import { UsageIndex } from './usage-index.ts'
import { WriteLock } from './write-lock.ts'

/** Longest owner label accepted (a base64 public key plus a prefix fits easily). */
export const MAX_OWNER_LENGTH = MAX_LABEL_LENGTH

/** Open a verified store over `medium`: loads BLAKE3, the medium's records and its remembered losses. */
export async function openVerifiedStore (medium: ShardMedium, options: StoreOptions): Promise<ShardStore> {
  checkQuota(options.quota)
  if (options.ownerShare !== undefined) checkOwnerShare(options.ownerShare)
  const now = options.now ?? Date.now
  await initBlake3()
  const index = new UsageIndex()
  const state = await medium.load(now())
  for (const record of state.records) index.add(record)
  // a shard stored again is held, whatever an older list of losses says
  const lost = new LostShards(state.lost.filter(l => !index.has(l.id)))
  return new VerifiedShardStore(medium, index, lost, now, options)
}

export function checkQuota (quota: unknown): asserts quota is number {
  if (typeof quota !== 'number' || Number.isNaN(quota) || quota < 0) {
    throw new InvalidParametersError('quota must be a number of bytes >= 0 (Infinity allowed)', { quota })
  }
}

export function checkOwnerShare (ownerShare: unknown): asserts ownerShare is number {
  if (typeof ownerShare !== 'number' || !(ownerShare > 0 && ownerShare <= 1)) {
    throw new InvalidParametersError('ownerShare must be a fraction of the quota, above 0 and at most 1', { ownerShare: String(ownerShare) })
  }
}

type Recheck = { state: 'ok', bytes: Uint8Array } | { state: 'corrupt' | 'missing' | 'absent' }

class VerifiedShardStore implements ShardStore {
  readonly #medium: ShardMedium
  readonly #index: UsageIndex
  readonly #lost: LostShards
  readonly #now: () => number
  readonly #lock = new WriteLock()
  /** what ./lease-ops.ts works on */
  readonly #leaseState: LeaseState
  #quota: number
  #ownerShare: number
  readonly #onCorrupt: ((id: string) => void) | undefined
  #closing: Promise<void> | undefined
  #mediumClosed = false

  constructor (medium: ShardMedium, index: UsageIndex, lost: LostShards, now: () => number, options: StoreOptions) {
    this.#medium = medium
    this.#index = index
    this.#lost = lost
    this.#now = now
    this.#leaseState = { index, lock: this.#lock, medium, now, closed: () => this.#mediumClosed }
    this.#quota = options.quota
    this.#ownerShare = options.ownerShare ?? 1
    this.#onCorrupt = options.onCorrupt
  }

  async put (id: string, bytes: Uint8Array, options: PutOptions = {}): Promise<void> {
    const entry: ShardEntry = { id, bytes }
    if (options.owner !== undefined) entry.owner = options.owner
    if (options.leaseUntil !== undefined) entry.leaseUntil = options.leaseUntil
    if (options.renewer !== undefined) entry.renewer = options.renewer
    await this.putMany([entry], options)
  }

  async putMany (entries: Iterable<ShardEntry>, options: AbortOptions = {}): Promise<void> {
    const { signal } = options
    this.#assertOpen()
    throwIfAborted(signal)
    const batch = new Map<string, ShardEntry>()
    const outboards = new Map<string, Uint8Array>()
    for (const entry of entries) {
      const cid = parseShardCid(entry.id)
      const id = cid.toString()
      checkLabel(entry.owner, 'owner')
      checkLabel(entry.renewer, 'renewer')
      if (entry.leaseUntil !== undefined) grantedLease(entry.leaseUntil, 0) // the type; capped when stored
      if (!(entry.bytes instanceof Uint8Array)) throw new InvalidParametersError('Shard bytes must be a Uint8Array', { id })
      if (entry.bytes.byteLength === 0) throw new InvalidParametersError('Refused: a shard is never empty', { id, reason: 'empty-shard' })
      // one hashing pass checks the id and gives the outboard, before the lock
      const outboard = checkedOutboard(cid, entry.bytes)
      if (!batch.has(id)) {
        batch.set(id, { ...entry, id })
        outboards.set(id, outboard)
      }
    }
    await this.#lock.run(async () => {
      throwIfAborted(signal)
      const fresh = [...batch.values()].filter(e => !this.#index.has(e.id))
      if (fresh.length === 0) return
      let needed = 0
      const byOwner = new Map<string, number>()
      for (const e of fresh) {
        const charge = shardChargeBytes(e.bytes.byteLength)
        needed += charge
        if (e.owner !== undefined) byOwner.set(e.owner, (byOwner.get(e.owner) ?? 0) + charge)
      }
      const used = this.#index.bytes
      if (used + needed > this.#quota) {
        throw new QuotaExceededError('Storage quota exceeded: the shards do not fit in the contribution size', { quota: this.#quota, used, needed })
      }
      this.#checkOwnerShares(byOwner)
      const storedAt = this.#now()
      const writes = fresh.map(e => {
        const leaseUntil = e.leaseUntil === undefined ? storedAt + LEGACY_LEASE_MS : grantedLease(e.leaseUntil, storedAt)
        const record: ShardRecord = { id: e.id, size: e.bytes.byteLength, storedAt, leaseUntil }
        if (e.owner !== undefined) record.owner = e.owner
        if (e.renewer !== undefined) record.renewer = e.renewer
        return { record, bytes: e.bytes, outboard: outboards.get(e.id) as Uint8Array }
      })
      await this.#medium.write(writes)
      let found = false
      for (const w of writes) {
        this.#index.add(w.record)
        if (this.#lost.forget(w.record.id)) found = true // held again
      }
      if (found) await this.#keepLost()
    }, signal)
  }

  async get (id: string, options: AbortOptions = {}): Promise<Uint8Array> {
    const { signal } = options
    this.#assertOpen()
    throwIfAborted(signal)
    const cid = parseShardCid(id)
    const key = cid.toString()
    if (!this.#index.has(key)) throw new NotFoundError('Shard not found', { id: key })
    const bytes = await this.#whole(cid, key)
    throwIfAborted(signal)
    return bytes
  }

  async readRange (id: string, offset: number, length: number, options: AbortOptions = {}): Promise<Uint8Array> {
    const { signal } = options
    this.#assertOpen()
    throwIfAborted(signal)
    const cid = parseShardCid(id)
    const record = this.#index.get(cid.toString())
    if (record === undefined) throw new NotFoundError('Shard not found', { id: cid.toString() })
    const indices = rangeGroups(record.size, offset, length)
    const { groups } = await readGroups(this.#groupSource, cid, record, indices)
    throwIfAborted(signal)
    return sliceGroups(groups, indices[0] ?? 0, offset, length)
  }

  async proof (id: string, indices: readonly number[], options: AbortOptions = {}): Promise<ShardProof> {
    const { signal } = options
    this.#assertOpen()
    throwIfAborted(signal)
    const cid = parseShardCid(id)
    const key = cid.toString()
    const record = this.#index.get(key)
    if (record === undefined) {
      const lost = this.#lost.get(key, this.#now())
      if (lost !== undefined) throw new CorruptShardError('This holder kept the shard and lost it', { id: key, reason: 'lost', lostAt: lost.lostAt })
      throw new NotFoundError('Shard not found', { id: key })
    }
    const wanted = proofIndices(indices, record.size)
    const { groups, outboard } = await readGroups(this.#groupSource, cid, record, wanted)
    throwIfAborted(signal)
    return {
      size: record.size,
      groups: wanted.map((index, i) => ({ index, bytes: groups[i] as Uint8Array })),
      siblings: outboard.byteLength === 0 ? [] : proveGroups(outboard, record.size, wanted)
    }
  }

  /** What ranges.ts reads groups through. */
  readonly #groupSource: GroupSource = {
    medium: { readParts: async (id, ranges, options) => await this.#medium.readParts(id, ranges, options) },
    whole: async (cid, key) => await this.#whole(cid, key),
    keep: async (record, outboard, bytes) => {
      try {
        await this.#lock.run(async () => {
          if (this.#mediumClosed || this.#index.get(record.id) !== record) return // closed, deleted or replaced meanwhile
          await this.#medium.keepOutboard(record, outboard, bytes)
        })
      } catch { /* computed again next time */ }
    }
  }

  /** The verified bytes of a stored shard; NotFoundError, or CorruptShardError once a damaged one is removed. */
  async #whole (cid: CID, key: string): Promise<Uint8Array> {
    const bytes = await this.#readVerified(cid, key)
    if (bytes !== undefined) return bytes
    const result = await this.#recheck(cid, key)
    switch (result.state) {
      case 'ok': return result.bytes
      case 'corrupt': throw new CorruptShardError('Stored shard was corrupt and has been removed', { id: key })
      default: throw new NotFoundError('Shard not found', { id: key })
    }
  }

  async has (id: string, options: AbortOptions = {}): Promise<boolean> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    return this.#index.has(parseShardCid(id).toString())
  }

  async stat (id: string, options: AbortOptions = {}): Promise<ShardRecord | undefined> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const record = this.#index.get(parseShardCid(id).toString())
    return record === undefined ? undefined : { ...record }
  }

  async delete (id: string, options: AbortOptions = {}): Promise<void> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const key = parseShardCid(id).toString()
    await this.#lock.run(async () => {
      if (!this.#index.has(key)) return
      await this.#medium.remove([key])
      this.#index.remove(key)
    }, options.signal)
  }

  async * list (options: AbortOptions = {}): AsyncGenerator<string> {
    for await (const record of this.entries(options)) yield record.id
  }

  async * entries (options: AbortOptions = {}): AsyncGenerator<ShardRecord> {
    this.#assertOpen()
    for (const record of this.#index.snapshot()) {
      throwIfAborted(options.signal)
      // skip what was deleted since the iteration began
      if (this.#index.get(record.id) === record) yield { ...record }
    }
  }

  async usage (options: AbortOptions = {}): Promise<StoreUsage> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    return { bytes: this.#index.bytes, count: this.#index.count, quota: this.#quota, ownerShare: this.#ownerShare, byOwner: this.#index.owners() }
  }

  async ownerUsage (owner: string, options: AbortOptions = {}): Promise<OwnerUsage> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    return this.#index.owner(owner)
  }

  setQuota (quota: number): void {
    checkQuota(quota)
    this.#quota = quota
  }

  setOwnerShare (ownerShare: number): void {
    checkOwnerShare(ownerShare)
    this.#ownerShare = ownerShare
  }

  /** QuotaExceededError when an owner's new shards (charged bytes per owner) take it past its share of the quota. */
  #checkOwnerShares (needed: Map<string, number>): void {
    if (this.#ownerShare >= 1) return // the store's own quota is the limit
    const ownerQuota = Math.floor(this.#quota * this.#ownerShare)
    for (const [owner, bytes] of needed) {
      const used = this.#index.owner(owner).bytes
      if (used + bytes > ownerQuota) {
        throw new QuotaExceededError('One owner may use only part of this contribution, and this owner has reached it', {
          reason: 'owner-share', owner, ownerShare: this.#ownerShare, ownerQuota, used, needed: bytes
        })
      }
    }
  }

  async scrub (options: ScrubOptions = {}): Promise<ScrubReport> {
    const { signal, onProgress } = options
    this.#assertOpen()
    const records = this.#index.snapshot()
    const report: ScrubReport = { checked: 0, corrupt: [], missing: [] }
    for (const record of records) {
      throwIfAborted(signal)
      this.#assertOpen()
      if (!this.#index.has(record.id)) continue
      const cid = parseShardCid(record.id)
      const bytes = await this.#readVerified(cid, record.id)
      report.checked++
      if (bytes === undefined) {
        const result = await this.#recheck(cid, record.id)
        if (result.state === 'corrupt') report.corrupt.push(record.id)
        else if (result.state === 'missing') report.missing.push(record.id)
      }
      onProgress?.({ checked: report.checked, total: records.length })
    }
    return report
  }

  async renew (ids: Iterable<string>, until: number, options: RenewOptions): Promise<RenewReport> {
    this.#assertOpen()
    return await renewLeases(this.#leaseState, ids, until, options)
  }

  async collect (options: CollectOptions): Promise<CollectReport> {
    this.#assertOpen()
    return await collectShards(this.#leaseState, options)
  }

  async lost (id: string, options: AbortOptions = {}): Promise<LostShard | undefined> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const key = parseShardCid(id).toString()
    return this.#index.has(key) ? undefined : this.#lost.get(key, this.#now())
  }

  async close (): Promise<void> {
    this.#closing ??= this.#lock.run(async () => {
      this.#mediumClosed = true
      await this.#medium.close()
    })
    await this.#closing
  }

  /** The bytes if present and intact, else undefined (the caller re-checks). */
  async #readVerified (cid: CID, key: string): Promise<Uint8Array | undefined> {
    try {
      const bytes = await this.#medium.read(key)
      return bytes !== undefined && matchesCid(cid, bytes) ? bytes : undefined
    } catch (err) {
      if (err instanceof CorruptShardError) return undefined
      throw err
    }
  }

  /** Under the lock: read again, and drop the entry if it is still bad. */
  async #recheck (cid: CID, key: string): Promise<Recheck> {
    return await this.#lock.run(async (): Promise<Recheck> => {
      if (this.#mediumClosed) throw closedError()
      if (!this.#index.has(key)) return { state: 'absent' }
      let bytes: Uint8Array | undefined
      let corrupt = false
      try {
        bytes = await this.#medium.read(key)
        corrupt = bytes !== undefined && !matchesCid(cid, bytes)
      } catch (err) {
        if (!(err instanceof CorruptShardError)) throw err
        corrupt = true
      }
      if (bytes !== undefined && !corrupt) return { state: 'ok', bytes }
      await this.#medium.remove([key])
      this.#index.remove(key)
      await this.#rememberLost(key)
      if (!corrupt) return { state: 'missing' }
      try { this.#onCorrupt?.(key) } catch { /* a listener must not break the store */ }
      return { state: 'corrupt' }
    })
  }

  /** Under the lock: remember that `id` was lost. */
  async #rememberLost (id: string): Promise<void> {
    const now = this.#now()
    this.#lost.expire(now)
    this.#lost.add(id, now)
    await this.#keepLost()
  }

  /** Under the lock: keep the list of losses on the medium (best effort: a list not kept is only a loss forgotten, or one found held on the next open). */
  async #keepLost (): Promise<void> {
    try {
      await this.#medium.setLost(this.#lost.list())
    } catch { /* remembered for this session */ }
  }

  #assertOpen (): void {
    if (this.#closing !== undefined) throw closedError()
  }
}

function closedError (): AbortedError {
  return new AbortedError('The shard store is closed', { reason: 'closed' })
}
