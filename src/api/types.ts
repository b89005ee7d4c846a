/**
 * The contract of `window.datamesh`: what a running node offers the user
 * interfaces (the app's views, the console, a script in the browser's
 * console). src/app/runtime implements it; src/console drives a slice of
 * it; both import it from here, so neither depends on the other. Types only.
 * Documented in the README.
 */
import type { ByteSource } from '../core/source.ts'
import type { KeyInfo } from '../core/keystore/index.ts'
import type { BandwidthResult } from '../net/bandwidth/index.ts'
import type { BootstrapPeer } from '../net/options.ts'
import type {
  AuditRun, BackupResult, CleanupResult, RepairResult, DeleteResult, FileCheck, FileInfo, ListedFile, MeshOptions, PeerDescription, PutResult, RenewLeasesResult,
  RestoreResult, ShardPlacement
} from '../mesh/index.ts'

/** Settings the wizard chooses and the settings view changes. Nothing secret. */
export interface Settings {
  nodeType: 'browser' | 'contributor'
  /** bytes of this device's storage offered to the mesh */
  contribution: number
  /** the most of `contribution` one owner may keep here, as a fraction (0 < ownerShare <= 1) */
  ownerShare: number
  /** custom relays with priorities; empty = the serving relay's list */
  relays: BootstrapPeer[]
  /** peer ids this tab trusts from the start (reputation 80), besides the storage peers its relay lists (default none) */
  allowedPeers?: string[]
  /** peer ids this tab never places data on, whatever their reputation (default none) */
  deniedPeers?: string[]
}

export interface KeySetup {
  /** the keystore password (checked for strength unless allowWeak) */
  password: string
  allowWeak?: boolean
  /** an encrypted key backup to import instead of creating a new key */
  importKeys?: { data: Uint8Array, password: string }
  /** name of a new key (default "main") */
  keyName?: string
}

export interface SetupOptions extends KeySetup, Partial<Settings> {}

export interface GetOptions extends MeshOptions {
  /** the password of a password-protected share link */
  password?: string
}

/** A file of the owner's index, with how often it was opened on this device. */
export type ApiFile = ListedFile & { opens: number }

/** One open connection as this tab sees it. */
export interface PeerSummary {
  peerId: string
  /** false while the connection runs through a relay (signalling only) */
  direct: boolean
  transport: 'webrtc' | 'websockets' | 'relayed' | 'other'
  remoteAddr: string
  role: 'relay' | 'storage' | 'peer'
}

/**
 * Where the automatic backup of the file index stands:
 * - `idle`: nothing waiting (the last backup, if any, succeeded)
 * - `scheduled`: changes wait for the backup due at `nextAttemptAt`
 * - `running`: a backup is being written
 * - `failed`: the last attempt failed (`lastError`); retried at `nextAttemptAt`
 */
export interface IndexBackupStatus {
  state: 'idle' | 'scheduled' | 'running' | 'failed'
  /** failed attempts in a row (0 after a success) */
  failures: number
  /** the last failure's typed name and message, until a backup succeeds */
  lastError?: { name: string, message: string }
  /** ms since the epoch of the last successful backup this session */
  lastSuccessAt?: number
  /** ms since the epoch of the next attempt, when one is scheduled */
  nextAttemptAt?: number
}

export interface Health {
  peerId: string
  /** ms since the node started */
  uptime: number
  unlocked: boolean
  /** a relay holds a reservation for this tab (other tabs can reach it) */
  reachable: boolean
  relays: Array<{ peerId: string, connected: boolean }>
  connections: { total: number, direct: number, relayed: number }
  /** distinct peers with a direct connection that can hold shards (storage peers and tabs) */
  dataPeers: number
  /** shards a put needs on distinct peers (k + m) */
  wanted: number
  /** bytes used and offered (`quota`) by this tab's store */
  storage: { used: number, shards: number, quota: number, persisted: boolean }
  multiaddrs: string[]
  /** the automatic backup of the file index */
  indexBackup: IndexBackupStatus
}

/** What changed, for views that keep themselves up to date. */
export type ApiChange = 'index' | 'keys' | 'peers' | 'backup'

export interface DataMeshApi {
  /** resolves once the tab has joined the mesh (rejects with the reason it could not); calls that need the network wait for it */
  ready: Promise<void>
  /** resolves once the keystore is open: status, setup, unlock and the key calls work from then on, before the network */
  keysReady: Promise<void>
  /** this tab's libp2p peer id, once ready */
  peerId?: string
  /** whether keys exist on this device, and whether they are unlocked */
  status: () => Promise<{ setUp: boolean, unlocked: boolean, publicKey?: string }>
  /** first run: keys (new, or imported from a backup) under a password, plus settings */
  setup: (options: SetupOptions) => Promise<{ publicKey: string }>
  /** after a reload: unlock the keys with the password */
  unlock: (password: string) => Promise<{ publicKey: string }>
  lock: () => void
  /** encrypt, erasure-code and spread a file over the mesh */
  put: (data: ByteSource, options: MeshOptions & { name: string, type?: string, tags?: string[] }) => Promise<PutResult>
  /** a file (by name, key, or share link) as a Blob */
  get: (ref: string, options?: GetOptions) => Promise<Blob>
  /** the same, streamed */
  getStream: (ref: string, options?: GetOptions) => Promise<ReadableStream<Uint8Array>>
  list: (options?: { tag?: string }) => Promise<ApiFile[]>
  info: (ref: string, options?: GetOptions) => Promise<FileInfo>
  delete: (ref: string) => Promise<DeleteResult>
  /** every shard of a file: where it was placed and who holds it now */
  distribution: (ref: string, options?: GetOptions) => Promise<ShardPlacement[]>
  /** audit every holder of every shard of a file now (fresh proofs of storage): health and state (healthy, degraded, at-risk, lost) */
  check: (ref: string, options?: GetOptions) => Promise<FileCheck>
  /** the same check, with each holder's audit outcome (pass, fail, lost, timeout, unreachable) */
  audit: (ref: string, options?: GetOptions) => Promise<AuditRun>
  /** repair one of the owner's files now from this tab: every holder audited, lost shards re-created from k verified ones and placed on new peers, leases renewed */
  repair: (ref: string, options?: GetOptions) => Promise<RepairResult>
  /**
   * a link that opens the file in any browser; its key stays in the URL
   * fragment (sealed with `password`, or to the public key `to`); a guessable
   * password is refused (WeakPasswordError) unless `allowWeak`
   */
  shareLink: (nameOrKey: string, options?: { password?: string, to?: string, allowWeak?: boolean }) => Promise<string>
  /** a new name in the index (share links keep working) */
  rename: (nameOrKey: string, name: string) => Promise<ListedFile>
  /** replace a file's tags */
  setTags: (nameOrKey: string, tags: string[]) => Promise<ListedFile>
  /** an independent copy under a new name */
  duplicate: (nameOrKey: string, name: string, options?: MeshOptions) => Promise<PutResult>
  /** this tab's node at a glance */
  health: () => Promise<Health>
  /** look for other tabs through the relay now: new direct connections */
  discover: () => Promise<number>
  settings: () => Settings
  /** change settings (the contribution applies at once, relays on the next start) */
  configure: (change: Partial<Settings>) => Settings
  /** the keys in the keystore (public parts) */
  keys: () => Promise<KeyInfo[]>
  createKey: (name: string) => Promise<KeyInfo>
  renameKey: (from: string, to: string) => Promise<void>
  /** destroys the key (`password`: the keystore password, checked again): files stored under it can no longer be opened unless it was exported */
  deleteKey: (name: string, password: string) => Promise<void>
  /** switch the owner key (each key has its own file index) */
  useKey: (name: string) => Promise<{ publicKey: string }>
  /** re-seal every key under `newPassword`; `oldPassword` is checked */
  changePassword: (oldPassword: string, newPassword: string) => Promise<void>
  /** called after the index, the keys, the connections or the index backup's state changed; returns an unsubscribe function */
  subscribe: (listener: (change: ApiChange) => void) => () => void
  /** connected peers: node type, direct or relayed, transport, latency */
  peers: () => Promise<Array<PeerDescription & Partial<PeerSummary>>>
  /** open connections right now (no network round trips) */
  connections: () => PeerSummary[]
  /** open a direct connection (WebRTC through the relay's signalling) */
  connect: (peerId: string) => Promise<PeerSummary>
  /** this tab's contribution: bytes used, shards, quota, persistent storage granted */
  storage: () => Promise<{ used: number, shards: number, quota: number, persisted: boolean }>
  /** raw stream throughput to a connected peer: `bytes` uploaded, then downloaded */
  bandwidth: (peerId: string, bytes?: number) => Promise<{ upload: BandwidthResult, download: BandwidthResult }>
  /** all keys, sealed under `exportPassword` (a file to download); `password` is the keystore password, checked again */
  exportKeys: (password: string, exportPassword: string) => Promise<Uint8Array>
  /** add the keys of a backup file opened with its `password` */
  importKeys: (data: Uint8Array, password: string) => Promise<{ imported: string[] }>
  /** store the encrypted file index in the mesh (done by itself about 2 s after changes, retried after failures); restore it from the keys alone */
  backupIndex: () => Promise<BackupResult>
  restoreIndex: () => Promise<RestoreResult>
  /**
   * remove from this tab's contribution the shards whose lease ended more
   * than 7 days ago (their owners stopped renewing), and old ones kept for
   * no owner; `dryRun` lists them and removes nothing
   */
  cleanup: (options?: { dryRun?: boolean }) => Promise<CleanupResult>
  /** renew now the leases of every file of the unlocked owner on the holders found (done by itself at unlock and daily while the tab is open) */
  renewLeases: () => Promise<RenewLeasesResult>
}
