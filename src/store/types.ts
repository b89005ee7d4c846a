/**
 * The local shard store: what every backend (IndexedDB, filesystem, memory)
 * offers, and the narrow medium interface a backend implements.
 *
 * Invariants every `ShardStore` keeps:
 * - Ids are shard CIDs (CIDv1, raw, BLAKE3-256), parsed strictly with
 *   `parseShardCid` and kept in canonical form (`cid.toString()`, base32), so
 *   one shard never has two keys.
 * - Nothing that fails verification is ever stored or returned: a put whose
 *   bytes do not hash to the id is refused (CorruptShardError, nothing written);
 *   a get that reads bytes not matching the id removes the entry, reports it
 *   (`onCorrupt`) and throws CorruptShardError.
 * - A shard is never empty: a put of zero bytes is refused
 *   (InvalidParametersError, reason 'empty-shard', nothing written).
 * - Every shard is charged `shardChargeBytes(size)`: its length, at least
 *   4 KiB (./charge.ts). `usage().bytes` and every owner's `bytes` are sums
 *   of charges; a write that would take the total over `quota`, or one
 *   owner over `ownerShare` of the quota, is refused whole
 *   (QuotaExceededError), so a batch is written entirely or not at all.
 * - Putting an id already stored is a no-op (the first owner stays); deleting
 *   a missing id is a no-op.
 */

/** Cancellation for every async operation. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** Who a shard is kept for (the network layer accounts usage per owner). */
export interface PutOptions extends AbortOptions {
  /** opaque owner label, e.g. the owner's public key; 1–256 characters */
  owner?: string
}

/** One shard of a `putMany` batch. */
export interface ShardEntry {
  id: string
  bytes: Uint8Array
  owner?: string
}

/** What the store keeps about each shard besides its bytes. */
export interface ShardRecord {
  /** canonical shard id */
  id: string
  /** length of the shard in bytes */
  size: number
  /** when it was stored, milliseconds since the Unix epoch */
  storedAt: number
  owner?: string
}

export interface OwnerUsage {
  /** bytes charged for the owner's shards (./charge.ts) */
  bytes: number
  count: number
}

export interface StoreUsage {
  /** bytes charged for the stored shards: each its length, at least 4 KiB (./charge.ts) */
  bytes: number
  count: number
  /** the configured contribution size in bytes (may be Infinity) */
  quota: number
  /** the fraction of `quota` one owner may take (0 < ownerShare <= 1) */
  ownerShare: number
  /** usage per owner; shards stored without an owner appear only in the totals */
  byOwner: Map<string, OwnerUsage>
}

export interface ScrubProgress {
  checked: number
  total: number
}

export interface ScrubOptions extends AbortOptions {
  onProgress?: (progress: ScrubProgress) => void
}

export interface ScrubReport {
  /** entries read and re-hashed */
  checked: number
  /** ids whose bytes no longer matched; they were removed */
  corrupt: string[]
  /** ids whose bytes had vanished from the medium; they were removed */
  missing: string[]
}

/** Options every backend's factory accepts. */
export interface StoreOptions {
  /** contribution size in bytes; puts beyond it are refused */
  quota: number
  /**
   * the most one owner may take, as a fraction of `quota` (0 < ownerShare
   * <= 1; default 1, no limit but the quota). Shards stored without an
   * owner are not limited by it.
   */
  ownerShare?: number
  /** called (synchronously, errors ignored) for every corrupt entry found and removed */
  onCorrupt?: (id: string) => void
}

export interface ShardStore {
  /** Verify and store one shard; a no-op when the id is already stored. */
  put: (id: string, bytes: Uint8Array, options?: PutOptions) => Promise<void>
  /** Verify and store a batch, all or nothing (entries already stored are skipped). */
  putMany: (entries: Iterable<ShardEntry>, options?: AbortOptions) => Promise<void>
  /** The verified bytes of a shard; NotFoundError if absent, CorruptShardError if damaged. */
  get: (id: string, options?: AbortOptions) => Promise<Uint8Array>
  has: (id: string, options?: AbortOptions) => Promise<boolean>
  /** The record of a stored shard, or undefined. */
  stat: (id: string, options?: AbortOptions) => Promise<ShardRecord | undefined>
  delete: (id: string, options?: AbortOptions) => Promise<void>
  /** Ids stored when the iteration starts. */
  list: (options?: AbortOptions) => AsyncIterable<string>
  /** Records stored when the iteration starts. */
  entries: (options?: AbortOptions) => AsyncIterable<ShardRecord>
  /** change the contribution size: shards already stored stay, new ones must fit (InvalidParametersError for a negative or NaN quota) */
  setQuota: (quota: number) => void
  /** change the share of the quota one owner may take: stored shards stay, new ones must fit (InvalidParametersError outside (0, 1]) */
  setOwnerShare: (ownerShare: number) => void
  usage: (options?: AbortOptions) => Promise<StoreUsage>
  /** One owner's figures (zeros when it has nothing stored here), without copying every owner's. */
  ownerUsage: (owner: string, options?: AbortOptions) => Promise<OwnerUsage>
  /** Re-read and re-hash every stored shard, removing damaged and vanished ones. */
  scrub: (options?: ScrubOptions) => Promise<ScrubReport>
  /** Wait for pending writes, then release the medium; later calls fail with AbortedError. */
  close: () => Promise<void>
}

/**
 * What a backend implements. The verified store above it does all checking,
 * accounting and serialisation of writes; a medium only moves bytes.
 */
export interface ShardMedium {
  /** Every committed record; called once, when the store opens. */
  load: () => Promise<ShardRecord[]>
  /**
   * The stored bytes, or undefined when absent. May throw CorruptShardError
   * when what is stored is not bytes at all.
   */
  read: (id: string) => Promise<Uint8Array | undefined>
  /** Store a batch of new entries: all or nothing, never a half-written shard visible. */
  write: (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array }>) => Promise<void>
  /** Remove entries; absent ones are ignored. */
  remove: (ids: readonly string[]) => Promise<void>
  close: () => Promise<void>
}
