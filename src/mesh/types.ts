/**
 * The public types of the DataMesh node facade (src/mesh): what it is built
 * from, its options, results, progress and events.
 */
import type { ComponentLogger, Connection, ContentRouting, PeerId } from '@libp2p/interface'
import type { StripeCodec } from '../core/codec.ts'
import type { OwnerSigner } from '../core/signature.ts'
import type { EciesOptions } from '../core/keys/ecies.ts'
import type { ShardStore } from '../store/types.ts'
import type { ReputationBook } from '../net/reputation.ts'
import type { ProviderRecordStore } from '../net/announce-queue.ts'
import type { IndexStorage } from './index-store.ts'
import type { AuditOutcome } from '../net/audit/index.ts'
import type { FileState, HolderStatus } from './audit-ledger.ts'
import type { MeshAuditsInit } from './audit-transport.ts'

/**
 * The slice of a started libp2p node the mesh uses. `services` must hold
 * `shard` (ShardService) and `info` (InfoService); `dht` (kad-dht) and
 * `ping` are used when present.
 */
export interface MeshLibp2p {
  peerId: PeerId
  logger: ComponentLogger
  getPeers: () => PeerId[]
  getConnections: (peerId?: PeerId) => Connection[]
  contentRouting: ContentRouting
  services: Record<string, unknown>
}

/**
 * The owner's identity as the mesh needs it. Secrets stay with the caller:
 * `open` decrypts an ECIES envelope sealed to `x25519Public`.
 */
export interface MeshKeys {
  /**
   * Ed25519: signs manifests and index pointers; its per-holder keys
   * (`forHolder`) sign stores, store grants and deletes, so holders never
   * see this key
   */
  signer: OwnerSigner
  /** X25519 public key file keys and index backups are sealed to */
  x25519Public: Uint8Array
  /** `options.associatedData`: the context the envelope was sealed with (ECIES AAD) */
  open: (envelope: Uint8Array, options?: EciesOptions) => Promise<Uint8Array>
}

/** What to do when fewer than k + m distinct data-capable peers are reachable. */
export type MinPeersPolicy = 'warn' | 'refuse'

export interface MeshConfig {
  /** data shards per stripe (default 4) */
  k: number
  /** parity shards per stripe (default 2) */
  m: number
  /** plaintext bytes per stripe (default 4 MiB) */
  stripeSize: number
  /** plaintext bytes per AES-GCM segment (default 256 KiB) */
  segmentSize: number
  /** shards of a stripe that must be acknowledged before it commits (default k + 1) */
  writeQuorum: number
  /** spread shards anyway with a durability warning, or refuse (default 'warn') */
  minPeers: MinPeersPolicy
  /** ms before a slow holder is hedged by asking the next candidate too (default 2 s) */
  hedgeDelay: number
  /** ms for one request to one peer (default 30 s) */
  requestTimeout: number
  /** ms a restore or sync looks for the index backup a record names before calling it unreachable (default: until every place to look has answered, about requestTimeout) */
  backupWaitMs?: number
  /** copies of a sealed manifest or index backup, on distinct peers (default 3: any 4 of 6 peers still hold one) */
  manifestReplicas: number
  /** most shards sent to one peer in one request (default 64); 1 sends every shard in a request of its own, signed on its own */
  storeBatch: number
  /** stripes being stored at once during a put (default 2) */
  storeWindow: number
  /** ms a peer's info answer is trusted (default 30 s) */
  infoTtl: number
  /** where stripes are coded (default: inline, on this thread) */
  codec?: StripeCodec
  /** ms a holder is asked to keep what this mesh stores, renewed daily by the LeaseKeeper (default 30 days: ./lease-keeper.ts) */
  leaseMs?: number
  /** always-on storage peers given each file's repair capability, to repair it while the owner is away (default 2, at most 4: ./repair-keeper.ts) */
  repairers?: number
}

export interface MeshInit extends MeshAuditsInit {
  libp2p: MeshLibp2p
  /** this node's own shard store, if it contributes one */
  store?: ShardStore
  keys: MeshKeys
  /** where the owner's index is kept (default: memory) */
  index?: IndexStorage
  config?: Partial<MeshConfig>
  /** this node's reputation book: placement ranks peers by it, and the mesh records what it observes there (default: a new book in memory) */
  reputation?: ReputationBook
  /** uniform random numbers in [0, 1) for placement's weighted choice (default Math.random; tests seed it) */
  rng?: () => number
  /** the clock leases are counted from, ms since the Unix epoch (default Date.now; tests move it) */
  now?: () => number
  /** the libp2p node's datastore, where its own provider records are kept: a shard this node's store drops is withdrawn there too */
  datastore?: ProviderRecordStore
}

/** One file in the owner's index. */
export interface IndexEntry {
  /** the file key (CID string of the sealed manifest) */
  key: string
  name: string
  /** MIME type, '' when unknown */
  type: string
  size: number
  tags: string[]
  /** ms since the epoch */
  created: number
  /** the file's 32-byte key, ECIES-sealed to the owner's X25519 key */
  wrappedKey: Uint8Array
  /** peers the sealed manifest was stored on */
  manifestHolders: string[]
  /** ms since the epoch of the last rename or change of tags (none: `created`); the later one wins a merge */
  updated?: number
}

/** A file deleted from the index: kept so that no merge brings the entry back (src/mesh/index-entries.ts). */
export interface Tombstone {
  /** the deleted file's key */
  key: string
  /** ms since the epoch */
  deletedAt: number
}

/** What a share link carries: enough to read a file without the owner's index. */
export interface FileShare {
  key: string
  fileKey: Uint8Array
}

/** A file named by its index name, its key, or a share. */
export type FileRef = string | FileShare

export type MeshProgressEvent =
  | { type: 'put:encoded', bytesDone: number, bytesTotal?: number }
  | { type: 'put:stored', shardsStored: number, stripesCommitted: number }
  | { type: 'get:manifest', key: string }
  | { type: 'get:decoded', bytesDone: number, bytesTotal: number }
  | { type: 'delete:removed', removed: number }
  | { type: 'check:audited', audited: number, total: number }

export interface MeshOptions {
  signal?: AbortSignal
  onProgress?: (event: MeshProgressEvent) => void
}

export interface PutOptions extends MeshOptions {
  name: string
  type?: string
  tags?: string[]
}

export interface PutResult {
  key: string
  /** durability warnings (also sent as 'durability:warning' events) */
  warnings: string[]
}

export interface RenewLeasesOptions extends MeshOptions {
  /** also ask the DHT which peers provide each shard (default true; hints and this node's store are always used) */
  providers?: boolean
}

/** What one renewal of every lease of the owner's files did (./commands/renew.ts). */
export interface RenewLeasesResult {
  /** the lease end asked for, ms since the Unix epoch */
  until: number
  /** files in the index, and those whose manifest no reachable peer had (their shards were not renewed) */
  files: number
  missing: string[]
  /** distinct shard ids asked to renew (stripe shards, manifests, the index backup) */
  shards: number
  /** holders asked (this node's store counts as one) */
  holders: number
  /** (holder, shard) pairs whose lease now lasts until `until` */
  renewed: number
  /** shard ids not renewed on any holder */
  unrenewed: number
  /** holders that did not answer, with the error's name */
  failed: Array<{ peer: string, error: string }>
}

export interface CleanupOptions extends MeshOptions {
  /** list what would be collected, remove nothing */
  dryRun?: boolean
}

/** What a collection of this node's store removed (or, dry, would remove): ./commands/cleanup.ts. */
export interface CleanupResult {
  dryRun: boolean
  /** grace after a lease's end, ms */
  graceMs: number
  shards: Array<{ id: string, size: number, owner?: string, storedAt: number, leaseUntil: number, reason: 'expired' | 'orphan' }>
  /** charged bytes freed (or that would be) */
  bytes: number
}

export interface ListOptions extends MeshOptions {
  /** only entries with this tag */
  tag?: string
}

export interface FileInfo extends Omit<IndexEntry, 'wrappedKey'> {
  stripes: number
  coding: { k: number, m: number, stripeSize: number, segmentSize: number }
  /** the owner's Ed25519 public key (the manifest's signature was checked) */
  owner: Uint8Array
}

export interface DeleteResult {
  /** shard copies removed from holders */
  removed: number
  /** deletes that did not go through (the copies may remain) */
  failed: Array<{ peer: string, id: string, error: string }>
}

export interface ShardPlacement {
  stripe: number
  shard: number
  id: string
  /** where the put placed it ('' when unknown) */
  hint: string
  /** connected peers (and this node) that hold it now */
  holders: string[]
}

export interface PeerDescription {
  peerId: string
  /** from /datamesh/info; undefined when the peer does not speak it */
  nodeType?: 'browser' | 'storage' | 'relay'
  /** bytes it still accepts, when known */
  free?: number
  /** a direct connection exists (false: only relayed ones) */
  direct: boolean
  remoteAddr: string
  /** round trip in ms (ping), when it answered */
  latency?: number
  /** this node's reputation score for it, 0-100 (src/net/reputation.ts) */
  reputation: number
  /** on this node's allow (trusted) or deny list */
  trust?: 'trusted' | 'denied'
}

export interface BackupResult {
  seq: number
  /** the backup shard's id */
  id: string
  holders: string[]
  entries: number
}

export interface RestoreResult {
  seq: number
  /** entries added to the local index */
  added: number
  /** entries renamed or retagged by a later change in the backup (or moved to a free name by one) */
  updated: number
  /** entries removed because the backup records their deletion */
  removed: number
  /** entries now in the index */
  total: number
}

export interface MeshEvents {
  'put:progress': MeshProgressEvent
  'get:progress': MeshProgressEvent
  /** a holder had or sent a damaged copy; parity or another copy was used */
  'shard:corrupt': { id: string, peer?: string, stripe?: number, shard?: number }
  /** data was stored with less redundancy than configured */
  'durability:warning': { message: string, reason: 'too-few-peers' | 'under-replicated' | 'low-reputation' | 'repair-not-adopted', key?: string, stripe?: number, have: number, want: number, peer?: string }
  /** a peer failed a request (unreachable, refused, timed out) */
  'peer:failed': { peer: string, op: 'info' | 'store' | 'fetch' | 'has' | 'delete', error: string }
  /** `rollback`: a save failed and the changes it carried were undone */
  'index:changed': { op: 'add' | 'remove' | 'update' | 'restore' | 'rollback', key?: string, entries: number }
  'index:backup': BackupResult
}

export type { FileState, HolderStatus }

export interface CheckOptions extends MeshOptions {
  /** also ask the DHT for each shard's providers (default true) */
  providers?: boolean
}

/** One audited holder of a shard, as a check saw it. */
export interface HolderCheck {
  peerId: string
  /** ok: passed now; lost: failed, said it does not have it, or unreachable past lostAfterMs; unknown: unreachable within it */
  status: HolderStatus
  /** when it was audited, ms since the epoch */
  checkedAt: number
  outcome: AuditOutcome
  /** why, when it did not pass */
  reason?: string
}

export interface ShardCheck {
  /** its index in the stripe (data shards first) */
  index: number
  id: string
  holders: HolderCheck[]
}

export interface StripeCheck {
  index: number
  /** shard indices with a holder that passed */
  verified: number
  /** shard indices with none that passed but one that may still have it */
  unknown: number
  /** shard indices with neither */
  lost: number
  shards: ShardCheck[]
}

/** What `check(ref)` found (src/mesh/commands/check.ts). */
export interface FileCheck {
  key: string
  k: number
  /** k + m */
  n: number
  /** the fewest verified shard indices of any stripe */
  health: number
  /** healthy (health = n), degraded (> k), at-risk (= k), lost (< k) */
  state: FileState
  stripes: StripeCheck[]
  checkedAt: number
}

/** What `audit(ref)` ran: each holder's outcome. */
export interface AuditRun {
  key: string
  health: number
  state: FileState
  checkedAt: number
  audits: Array<{ stripe: number, shard: number, id: string, peerId: string, outcome: AuditOutcome, reason?: string, status: HolderStatus, checkedAt: number }>
}
