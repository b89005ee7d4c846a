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
 * - `usage().bytes` is the sum of the stored shards' lengths; a write that
 *   would take it over `quota` is refused whole (QuotaExceededError), so a
 *   batch is written entirely or not at all.
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
  bytes: number
  count: number
}

export interface StoreUsage {
  /** sum of stored shard lengths */
  bytes: number
  count: number
  /** the configured contribution size in bytes (may be Infinity) */
  quota: number
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
  usage: (options?: AbortOptions) => Promise<StoreUsage>
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
