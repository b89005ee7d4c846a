/**
 * The DataMesh node facade: what the app (window.datamesh), the console and
 * the CLI use. It only delegates, one function per command (./commands/*),
 * Helia-style; every async method takes `{ signal?, onProgress? }`.
 *
 *   const mesh = createMesh({ libp2p, keys, store, index, config })
 *   const { key } = await mesh.put(file, { name: 'report.pdf', tags: ['work'] })
 *   const blob = await mesh.get('report.pdf')
 *   mesh.events.addEventListener('durability:warning', e => console.warn(e.detail.message))
 */
import type { ByteSource } from '../core/source.ts'
import type { ReputationBook } from '../net/reputation.ts'
import { createContext, type MeshContext } from './context.ts'
import { meshAudits, type MeshAudits } from './audit-transport.ts'
import { audit } from './commands/audit.ts'
import { check } from './commands/check.ts'
import type { TypedEvents } from './events.ts'
import { backupIndex } from './commands/backup.ts'
import { deleteFile } from './commands/delete.ts'
import { distribution } from './commands/distribution.ts'
import { get, getStream } from './commands/get.ts'
import { info } from './commands/info.ts'
import { list, type ListedFile } from './commands/list.ts'
import { peers, type PeersOptions } from './commands/peers.ts'
import { put } from './commands/put.ts'
import { cleanup } from './commands/cleanup.ts'
import { renewLeases } from './commands/renew.ts'
import { LeaseKeeper, type LeaseKeeperInit } from './lease-keeper.ts'
import { repair, type RepairResult } from './commands/repair.ts'
import { adoptAll, adoptRepairers, type AdoptResult } from './repair-keeper.ts'
import { restoreIndex } from './commands/restore.ts'
import { syncIndex, type SyncOptions, type SyncResult } from './commands/sync.ts'
import { openShare, share, shareTo } from './commands/share.ts'
import { copy, rename, setTags } from './commands/edit.ts'
import type {
  AuditRun, BackupResult, CheckOptions, DeleteResult, FileCheck, FileInfo, FileRef, FileShare, ListOptions, MeshConfig, MeshEvents, MeshInit, MeshOptions,
  PeerDescription, PutOptions, PutResult, RestoreResult, ShardPlacement, CleanupOptions, CleanupResult, RenewLeasesOptions, RenewLeasesResult
} from './types.ts'

export class Mesh {
  readonly #ctx: MeshContext
  readonly #audits: MeshAudits

  constructor (init: MeshInit) {
    this.#ctx = createContext(init)
    this.#audits = meshAudits(this.#ctx, init)
  }

  /** 'put:progress', 'get:progress', 'shard:corrupt', 'durability:warning', 'peer:failed', 'index:changed', 'index:backup' */
  get events (): TypedEvents<MeshEvents> {
    return this.#ctx.events
  }

  /**
   * This node's reputation book: scores by peer id, and where observations
   * go (`recordAudit(peer, outcome)` for audits).
   */
  get reputation (): ReputationBook {
    return this.#ctx.reputation
  }

  /** The settings in force (defaults filled in). */
  get config (): Readonly<MeshConfig> {
    return this.#ctx.config
  }

  /** Encrypt, erasure-code and spread `data`; add it to the index under `options.name`. */
  async put (data: ByteSource, options: PutOptions): Promise<PutResult> {
    return await put(this.#ctx, data, options)
  }

  /** The whole file as a Blob. */
  async get (ref: FileRef, options?: MeshOptions): Promise<Blob> {
    return await get(this.#ctx, ref, options)
  }

  /** The file as a stream, read stripe by stripe as it is consumed. */
  async getStream (ref: FileRef, options?: MeshOptions): Promise<ReadableStream<Uint8Array>> {
    return (await getStream(this.#ctx, ref, options)).stream
  }

  /** The index, newest first. */
  async list (options?: ListOptions): Promise<ListedFile[]> {
    return await list(this.#ctx, options)
  }

  /** The index entry and the manifest's summary. */
  async info (ref: FileRef, options?: MeshOptions): Promise<FileInfo> {
    return await info(this.#ctx, ref, options)
  }

  /** What a recipient needs to read one file (keep it secret: it is the file's key). */
  async share (nameOrKey: string): Promise<FileShare> {
    return await share(this.#ctx, nameOrKey)
  }

  /** A share sealed to one recipient's public key string (only their keys open it). */
  async shareTo (nameOrKey: string, recipient: string): Promise<{ key: string, envelope: Uint8Array }> {
    return await shareTo(this.#ctx, nameOrKey, recipient)
  }

  /** Open a share sealed to this mesh's owner key. */
  async openShare (key: string, envelope: Uint8Array): Promise<FileShare> {
    return await openShare(this.#ctx, key, envelope)
  }

  /** Give a file a new name in the index (its key and share links stay the same). */
  async rename (ref: string, name: string): Promise<ListedFile> {
    return await rename(this.#ctx, ref, name)
  }

  /** Replace a file's tags. */
  async setTags (ref: string, tags: string[]): Promise<ListedFile> {
    return await setTags(this.#ctx, ref, tags)
  }

  /** Store an independent copy of a file under a new name. */
  async copy (ref: string, name: string, options?: MeshOptions): Promise<PutResult> {
    return await copy(this.#ctx, ref, name, options)
  }

  /** Signed deletes to every holder, then out of the index. Owner only. */
  async delete (ref: FileRef, options?: MeshOptions): Promise<DeleteResult> {
    return await deleteFile(this.#ctx, ref, options)
  }

  /** Audit every holder of every shard now: health (verified shards of the weakest stripe) and state (commands/check.ts). */
  async check (ref: FileRef, options?: CheckOptions): Promise<FileCheck> {
    return await check(this.#ctx, this.#audits, ref, options)
  }

  /** Run a check now and return each holder's audit outcome (commands/audit.ts). */
  async audit (ref: FileRef, options?: CheckOptions): Promise<AuditRun> {
    return await audit(this.#ctx, this.#audits, ref, options)
  }

  /** Every shard: where it was placed and which reachable peers hold it. */
  async distribution (ref: FileRef, options?: MeshOptions): Promise<ShardPlacement[]> {
    return await distribution(this.#ctx, ref, options)
  }

  /** Connected peers: type, direct or relayed, latency. */
  async peers (options?: PeersOptions): Promise<PeerDescription[]> {
    return await peers(this.#ctx, options)
  }

  /** Store the encrypted index in the mesh and point the owner's DHT record at it. */
  async backupIndex (options?: MeshOptions): Promise<BackupResult> {
    return await backupIndex(this.#ctx, options)
  }

  /** Find the latest backup from the keys alone and merge it into the index. */
  async restoreIndex (options?: MeshOptions): Promise<RestoreResult> {
    return await restoreIndex(this.#ctx, options)
  }

  /** Extend the lease of every file's shards, manifests and the index backup on the holders found, to now + leaseMs (commands/renew.ts). */
  async renewLeases (options?: RenewLeasesOptions): Promise<RenewLeasesResult> {
    return await renewLeases(this.#ctx, options)
  }

  /**
   * A LeaseKeeper renewing this mesh's leases at once and then daily until
   * stopped (./lease-keeper.ts); the caller starts and stops it (the app:
   * while the owner's keys are unlocked).
   */
  leaseKeeper (init: Omit<LeaseKeeperInit<RenewLeasesResult>, 'renew'> & Pick<RenewLeasesOptions, 'providers'> = {}): LeaseKeeper<RenewLeasesResult> {
    const { providers, ...keeper } = init
    return new LeaseKeeper({ ...keeper, renew: async (signal) => await renewLeases(this.#ctx, { signal, ...(providers !== undefined ? { providers } : {}) }) })
  }

  /**
   * Repair file `ref` now from this tab: every holder audited, lost shards
   * re-created from k verified ones and placed on new peers, the manifest
   * kept at its copies, leases renewed (commands/repair.ts).
   */
  async repair (ref: FileRef, options?: MeshOptions): Promise<RepairResult> {
    return await repair(this.#ctx, this.#audits, ref, options)
  }

  /** Give file `ref`'s repair capability to its repairers now (done after each put, and daily by `repairKeeper`: ./repair-keeper.ts). */
  async adoptRepairers (ref: FileRef, options?: MeshOptions): Promise<AdoptResult> {
    return await adoptRepairers(this.#ctx, ref, options)
  }

  /**
   * A keeper giving every file of the index a fresh repair capability at
   * once and then daily until stopped (the app: while the owner's keys are
   * unlocked); failures are 'durability:warning' events.
   */
  repairKeeper (init: Omit<LeaseKeeperInit<Awaited<ReturnType<typeof adoptAll>>>, 'renew'> = {}): LeaseKeeper<Awaited<ReturnType<typeof adoptAll>>> {
    return new LeaseKeeper({ ...init, renew: async (signal) => await adoptAll(this.#ctx, signal) })
  }

  /** Collect this node's store: shards past their lease by more than 7 days, and old orphans (commands/cleanup.ts); `dryRun` lists them only. */
  async cleanup (options?: CleanupOptions): Promise<CleanupResult> {
    return await cleanup(this.#ctx, options)
  }

  /** Merge the owner's published list and republish it when missing, old or behind this device (commands/sync.ts). */
  async syncIndex (options?: SyncOptions): Promise<SyncResult> {
    return await syncIndex(this.#ctx, options)
  }
}

export function createMesh (init: MeshInit): Mesh {
  return new Mesh(init)
}
