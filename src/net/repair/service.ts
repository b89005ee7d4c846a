/**
 * The /datamesh/repair/{adopt,release,store,renew}/1.0.0 service (wire
 * format: ./messages.ts).
 *
 * With a `book` the node is a repairer: it serves adopt and release and
 * keeps what it adopts in the book (./book.ts). With a `store` it is a
 * holder: it serves store and renew for listed repairers (./handlers).
 * Every node can use the client methods. Inbound streams go through the
 * per-peer limiter shared with the other services (../limits.ts), each
 * operation under its own request cap, never on limited (relayed)
 * connections. New-owner admission for repair keys has its own buckets
 * (../shard/admission.ts), separate from the shard protocol's.
 */
import { serviceCapabilities, type AbortOptions, type Connection, type Logger, type PeerId, type Startable, type Stream } from '@libp2p/interface'
import type { SignedRepairCap } from '../../core/repair-cap.ts'
import type { Signer } from '../../core/signature.ts'
import type { ShardStore } from '../../store/types.ts'
import { PeerLimiter, type LimitsInit } from '../limits.ts'
import { handleProtocol, type ProtocolComponents } from '../protocol/components.ts'
import { DEFAULT_MAX_SHARD_SIZE, DEFAULT_PER_OWNER_QUOTA, DEFAULT_TIMEOUT } from '../protocol/constants.ts'
import { serveStream, type RequestContext } from '../protocol/exchange.ts'
import { OwnerAdmission, type OwnerAdmissionInit } from '../shard/admission.ts'
import type { ShardId } from '../shard/client.ts'
import { KeyedLock } from '../shard/context.ts'
import type { CapabilityBook } from './book.ts'
import { adoptCapability, releaseCapability, repairRenew, repairStore, type RepairClientContext } from './client.ts'
import { HOLDER_OPS, REPAIR_LEASE_MS, REPAIR_PROTOCOLS, REPAIRER_OPS, type RepairOp } from './constants.ts'
import { SeenSeqs, VerifiedCaps, type RepairHandlerContext, type RepairHooks } from './context.ts'
import { handleAdopt } from './handlers/adopt.ts'
import { handleRelease } from './handlers/release.ts'
import { handleRenew } from './handlers/renew.ts'
import { handleRepairStore } from './handlers/store.ts'
import { decodeRepairRequest, repairLimits } from './messages.ts'

export interface RepairProtocolInit extends RepairHooks {
  /** serve store and renew from this store (a holder) */
  store?: ShardStore
  /** serve adopt and release into this book (a repairer) */
  book?: CapabilityBook
  /** peers exempt from new-owner admission (default: none) */
  isTrusted?: (peer: string) => boolean
  /** most bytes kept for one owner key, repair keys included (default 1 GiB) */
  perOwnerQuota?: number
  /** new repair keys one peer and one address may open here per period */
  admission?: Partial<OwnerAdmissionInit>
  /** largest shard accepted (default 16 MiB) */
  maxShardSize?: number
  /** longest lease given to a repaired shard, ms (default 30 days) */
  leaseMs?: number
  /** ms per exchange, on both sides (default 30 s) */
  timeout?: number
  limiter?: PeerLimiter
  limits?: Partial<LimitsInit>
  now?: () => number
}

export interface RepairService {
  readonly protocols: Readonly<Record<RepairOp, string>>
  /** Ask the repairer `peer` to keep a capability. */
  adopt: (peer: PeerId, cap: SignedRepairCap, options?: AbortOptions) => Promise<void>
  /** Ask the repairer `peer` to drop the capability of `signer` (a file's repair key), seq `seq` and older. */
  release: (peer: PeerId, seq: number, signer: Signer, options?: AbortOptions) => Promise<void>
  /** Give the holder `peer` a re-created shard. */
  store: (peer: PeerId, cap: SignedRepairCap, id: ShardId, bytes: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Extend leases of the capability's shards on `peer`. */
  renew: (peer: PeerId, cap: SignedRepairCap, ids: readonly ShardId[], until: number, options?: AbortOptions) => Promise<boolean[]>
}

export interface RepairComponents extends ProtocolComponents {
  peerId: PeerId
}

export class DataMeshRepair implements RepairService, Startable {
  readonly protocols = REPAIR_PROTOCOLS
  readonly limiter: PeerLimiter
  readonly [Symbol.toStringTag] = '@datamesh/repair'
  readonly [serviceCapabilities]: string[] = ['@datamesh/repair']
  readonly #components: RepairComponents
  readonly #init: RepairProtocolInit
  readonly #log: Logger
  readonly #client: RepairClientContext
  readonly #caps = new VerifiedCaps()
  readonly #seen = new SeenSeqs()
  readonly #locks = new KeyedLock()
  readonly #admission: OwnerAdmission
  readonly #now: () => number
  readonly #served: RepairOp[]
  #started = false

  constructor (components: RepairComponents, init: RepairProtocolInit = {}) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('datamesh:net:repair')
    this.limiter = init.limiter ?? new PeerLimiter(init.limits)
    this.#now = init.now ?? Date.now
    this.#client = { connectionManager: components.connectionManager, timeout: init.timeout ?? DEFAULT_TIMEOUT, maxShardSize: init.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE }
    this.#admission = new OwnerAdmission(init.admission, this.#now)
    this.#served = [...(init.book !== undefined ? REPAIRER_OPS : []), ...(init.store !== undefined ? HOLDER_OPS : [])]
  }

  async start (): Promise<void> {
    for (const op of this.#served) {
      await handleProtocol(this.#components.registrar, REPAIR_PROTOCOLS[op], async (stream, connection) => { await this.#serve(op, stream, connection) })
    }
    this.#started = true
  }

  async stop (): Promise<void> {
    for (const op of this.#served) await this.#components.registrar.unhandle(REPAIR_PROTOCOLS[op])
    this.#started = false
  }

  isStarted (): boolean {
    return this.#started
  }

  async #serve (op: RepairOp, stream: Stream, connection: Connection): Promise<void> {
    await serveStream(stream, connection, {
      limiter: this.limiter,
      maxRequestBytes: repairLimits(op, this.#client.maxShardSize).request.maxBytes,
      timeout: this.#client.timeout,
      log: this.#log,
      handle: async (frame, context) => await this.#handle(op, frame, context, connection),
      drop: peer => {
        this.#components.connectionManager.closeConnections(peer).catch(err => { this.#log.error('closing connections to %p failed - %e', peer, err) })
      }
    })
  }

  async #handle (op: RepairOp, frame: Uint8Array, { peer, signal }: RequestContext, connection: Connection): Promise<Uint8Array> {
    const request = decodeRepairRequest(op, frame, this.#client.maxShardSize)
    const { store, book } = this.#init
    const context: RepairHandlerContext = {
      self: this.#components.peerId.toMultihash().bytes,
      peer,
      remoteAddr: connection.remoteAddr,
      caps: this.#caps,
      seen: this.#seen,
      admission: this.#admission,
      isTrusted: this.#init.isTrusted ?? (() => false),
      perOwnerQuota: this.#init.perOwnerQuota ?? DEFAULT_PER_OWNER_QUOTA,
      leaseMs: this.#init.leaseMs ?? REPAIR_LEASE_MS,
      ownerLocks: this.#locks,
      now: this.#now,
      hooks: this.#init,
      signal
    }
    this.#log.trace('%s from %p', request.op, peer)
    // the handlers of an op are registered only with what it needs
    switch (request.op) {
      case 'adopt': return await handleAdopt(request, context, book as CapabilityBook)
      case 'release': return await handleRelease(request, context, book as CapabilityBook)
      case 'store': return await handleRepairStore(request, context, store as ShardStore)
      case 'renew': return await handleRenew(request, context, store as ShardStore)
    }
  }

  async adopt (peer: PeerId, cap: SignedRepairCap, options?: AbortOptions): Promise<void> {
    await adoptCapability(this.#client, peer, cap, options)
  }

  async release (peer: PeerId, seq: number, signer: Signer, options?: AbortOptions): Promise<void> {
    await releaseCapability(this.#client, peer, seq, signer, options)
  }

  async store (peer: PeerId, cap: SignedRepairCap, id: ShardId, bytes: Uint8Array, options?: AbortOptions): Promise<void> {
    await repairStore(this.#client, peer, cap, id, bytes, options)
  }

  async renew (peer: PeerId, cap: SignedRepairCap, ids: readonly ShardId[], until: number, options?: AbortOptions): Promise<boolean[]> {
    return await repairRenew(this.#client, peer, cap, ids, until, options)
  }
}
