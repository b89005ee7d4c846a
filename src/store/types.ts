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
 * - Putting an id already stored is a no-op (the first owner, renewer and
 *   lease stay: `renew` extends a lease); deleting a missing id is a no-op.
 * - Every shard has a lease (./lease.ts): its owner or renewer label may
 *   extend it, nothing shortens it; `collect` removes shards past their
 *   lease and orphans, each after a grace period, and nothing else.
 * - Shards found corrupt or vanished are removed and remembered as lost
 *   (bounded, ./lost.ts) until stored again.
 */

/** Cancellation for every async operation. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** Who a shard is kept for (the network layer accounts usage per owner), and for how long. */
export interface PutOptions extends AbortOptions {
  /** opaque owner label, e.g. the owner's public key; 1–256 characters */
  owner?: string
  /**
   * when the lease ends, ms since the Unix epoch (an integer), capped at
   * MAX_LEASE_MS after the store's clock (./lease.ts); default: LEGACY_LEASE_MS
   * after the store's clock
   */
  leaseUntil?: number
  /** a label (the same form as owner labels) that may renew the lease besides the owner; 1–256 characters */
  renewer?: string
}

/** One shard of a `putMany` batch. */
export interface ShardEntry {
  id: string
  bytes: Uint8Array
  owner?: string
  leaseUntil?: number
  renewer?: string
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
  /** when its lease ends, ms since the Unix epoch (./lease.ts) */
  leaseUntil: number
  /** who may renew the lease besides the owner */
  renewer?: string
}

export interface RenewOptions extends AbortOptions {
  /** the label asking: only shards whose owner or renewer label it is are extended */
  by: string
}

export interface RenewReport {
  /** ids whose lease now ends at the (capped) time asked */
  extended: string[]
  /** ids `by` may renew whose lease already ended at or after that time (never shortened) */
  unchanged: string[]
}

export interface CollectOptions extends AbortOptions {
  /** the time to judge leases at, ms since the Unix epoch (default: the store's clock) */
  now?: number
  /** how long past its lease end (or, for an orphan, its storedAt) a shard is kept */
  graceMs: number
  /** list what would be removed, and remove nothing */
  dryRun?: boolean
}

export interface CollectedShard {
  id: string
  size: number
  owner?: string
  storedAt: number
  leaseUntil: number
  /** 'expired': the lease ended more than graceMs ago; 'orphan': no owner label, stored more than graceMs ago */
  reason: 'expired' | 'orphan'
}

export interface CollectReport {
  /** what was removed (or, with dryRun, would be) */
  shards: CollectedShard[]
  /** charged bytes freed (or that would be) */
  bytes: number
  dryRun: boolean
}

/** What `proof` answers: enough for a verifier holding only the id and the size. */
export interface ShardProof {
  /** the shard's length */
  size: number
  /** the groups asked for, in increasing index order */
  groups: Array<{ index: number, bytes: Uint8Array }>
  /** the sibling chaining values, in the order verifyGroups takes them */
  siblings: Uint8Array[]
}

/** A shard the store held and lost (its bytes found corrupt or vanished, and removed). */
export interface LostShard {
  id: string
  /** when the loss was found, ms since the Unix epoch */
  lostAt: number
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
  /** the store's clock, ms since the Unix epoch (default Date.now): storedAt, lease caps, lost times */
  now?: () => number
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
  /** Re-read and re-hash every stored shard, removing damaged and vanished ones (remembered as lost). */
  scrub: (options?: ScrubOptions) => Promise<ScrubReport>
  /**
   * Extend the leases of the shards among `ids` whose owner or renewer label
   * is `by` to `until` (capped like a put's); never shortens one. Ids not
   * stored, or not `by`'s, are left out of the report.
   */
  renew: (ids: Iterable<string>, until: number, options: RenewOptions) => Promise<RenewReport>
  /** Remove (unless dryRun) shards whose lease ended more than graceMs ago, and orphans stored more than graceMs ago. */
  collect: (options: CollectOptions) => Promise<CollectReport>
  /**
   * `length` bytes of a shard from `offset` (both within it; at most
   * MAX_RANGE_BYTES, ./ranges.ts), each 16 KiB group read checked against
   * the shard's outboard, itself checked against the id (a shard of one
   * group is read whole and hashed). NotFoundError if absent,
   * CorruptShardError if damaged (then removed, as by get).
   */
  readRange: (id: string, offset: number, length: number, options?: AbortOptions) => Promise<Uint8Array>
  /**
   * Answer an audit: the bytes of the 16 KiB groups `indices` and the
   * sibling chaining values proving them against the id
   * (../core/blake3-tree.ts `verifyGroups`), reading only those groups and
   * the outboard (computed and kept first for a shard stored without one).
   * Checked before it is returned. NotFoundError if not held;
   * CorruptShardError if damaged (then removed), with reason 'lost' for a
   * shard lost earlier.
   */
  proof: (id: string, indices: readonly number[], options?: AbortOptions) => Promise<ShardProof>
  /** When the store lost `id` (found it corrupt or vanished and removed it), if it remembers (./lost.ts); undefined otherwise. */
  lost: (id: string, options?: AbortOptions) => Promise<LostShard | undefined>
  /** Wait for pending writes, then release the medium; later calls fail with AbortedError. */
  close: () => Promise<void>
}

/**
 * What a backend implements. The verified store above it does all checking,
 * accounting and serialisation of writes; a medium only moves bytes.
 */
export interface ShardMedium {
  /**
   * Every committed record and the remembered losses; called once, when the
   * store opens, with the store's clock. A record with no lease recorded
   * gets `legacyLeaseUntil(storedAt, now)` (./lease.ts), and that is recorded.
   */
  load: (now: number) => Promise<MediumState>
  /**
   * The stored bytes, or undefined when absent. May throw CorruptShardError
   * when what is stored is not bytes at all.
   */
  read: (id: string) => Promise<Uint8Array | undefined>
  /**
   * Parts of a stored shard, unverified: the bytes at each of `ranges`
   * (within the shard), and its kept outboard when `outboard` is asked for
   * (undefined when none is kept). Reads only those bytes where the medium
   * can. Undefined when the shard is absent; CorruptShardError when what is
   * stored cannot be a shard (a damaged header, a length that disagrees).
   */
  readParts: (id: string, ranges: readonly ByteRange[], options: { outboard: boolean }) => Promise<ShardParts | undefined>
  /** Store a batch of new entries with their outboards: all or nothing, never a half-written shard visible. */
  write: (batch: ReadonlyArray<{ record: ShardRecord, bytes: Uint8Array, outboard: Uint8Array }>) => Promise<void>
  /**
   * Keep the outboard computed for a stored shard that had none, given its
   * verified bytes. Never puts the shard at risk: a failure leaves it as it was.
   */
  keepOutboard: (record: ShardRecord, outboard: Uint8Array, bytes: Uint8Array) => Promise<void>
  /** Remove entries; absent ones are ignored. */
  remove: (ids: readonly string[]) => Promise<void>
  /** Change the lease ends of stored entries (nothing else); absent ones are ignored. */
  setLeases: (leases: ReadonlyArray<{ id: string, leaseUntil: number }>) => Promise<void>
  /** Keep this list of losses in place of the one kept before (at most MAX_LOST_SHARDS, ./lost.ts). */
  setLost: (lost: readonly LostShard[]) => Promise<void>
  close: () => Promise<void>
}

export interface ByteRange {
  offset: number
  length: number
}

export interface ShardParts {
  /** the shard's length as the medium keeps it */
  size: number
  /** the bytes of each range asked for, in order */
  parts: Uint8Array[]
  /** the kept outboard, when asked for and kept */
  outboard?: Uint8Array
}

/** What a medium holds when the store opens. */
export interface MediumState {
  records: ShardRecord[]
  lost: LostShard[]
}
