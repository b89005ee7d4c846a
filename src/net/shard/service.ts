/**
 * The /datamesh/shard/{store,store-many,fetch,has,delete,renew}/1.0.0 service
 * (wire format: ../protocol/shard-messages.ts).
 *
 * With a `store` it serves store, store-many, fetch, has, delete and renew, each
 * on its own protocol id with its own request cap (a has, fetch or delete
 * request is refused at its length prefix past a few KiB; store and
 * store-many take a shard or a batch of the largest size plus a small
 * envelope) and one handler file per operation under ./handlers,
 * accounting usage per owner and enforcing `perOwnerQuota`; every node can
 * use the client methods. `storeMany` signs one store grant per owner and
 * holder every few minutes (./grants.ts) instead of one signature per shard. Inbound streams go
 * through the per-peer limiter (../limits.ts); a peer whose misbehaviour
 * score passes the threshold has its connections closed and is refused for
 * the ban duration. Streams never run on limited (relayed) connections.
 */
import { serviceCapabilities, type AbortOptions, type Connection, type Logger, type PeerId, type Startable, type Stream } from '@libp2p/interface'
import type { Signer } from '../../core/signature.ts'
import type { ShardStore } from '../../store/types.ts'
import { requestInfo } from '../info/client.ts'
import { PeerLimiter, type LimitsInit } from '../limits.ts'
import { handleProtocol, type ProtocolComponents } from '../protocol/components.ts'
import {
  DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_SHARD_SIZE, DEFAULT_PER_OWNER_QUOTA, DEFAULT_TIMEOUT, FRAME_HEADER_ALLOWANCE,
  SHARD_OPS, SHARD_PROTOCOLS, type ShardOp
} from '../protocol/constants.ts'
import { serveStream, type RequestContext } from '../protocol/exchange.ts'
import type { NodeInfo } from '../protocol/info-messages.ts'
import { decodeShardRequest, shardLimits } from '../protocol/shard-messages.ts'
import type { DataMeshError } from '../../core/errors.ts'
import { deleteShard, fetchShard, fitsOneBatch, hasShards, renewShards, storeShard, storeShards, type ShardClientContext, type ShardId, type StoreLease } from './client.ts'
import { KeyedLock, type HandlerContext, type ShardHooks } from './context.ts'
import { OwnerAdmission, type OwnerAdmissionInit } from './admission.ts'
import { GrantBook, VerifiedGrants } from './grants.ts'
import { handleDelete } from './handlers/delete.ts'
import { handleFetch } from './handlers/fetch.ts'
import { handleHas } from './handlers/has.ts'
import { handleRenew } from './handlers/renew.ts'
import { handleStore } from './handlers/store.ts'
import { handleStoreMany } from './handlers/store-many.ts'

export interface ShardProtocolInit extends ShardHooks {
  /** serve the protocol from this store; without one the node is a client only */
  store?: ShardStore
  /** most bytes kept for one owner (default 1 GiB; Infinity = only the store's quota) */
  perOwnerQuota?: number
  /** how many new owner keys one peer and one address may open here per period (./admission.ts) */
  admission?: Partial<OwnerAdmissionInit>
  /** largest shard sent or accepted (default 16 MiB) */
  maxShardSize?: number
  /** accepted distance of a signed timestamp from this node's clock, ms (default 10 min) */
  maxClockSkew?: number
  /** ms per exchange, on both sides (default 30 s) */
  timeout?: number
  /** a limiter shared with the node's other services, or settings for one of its own */
  limiter?: PeerLimiter
  limits?: Partial<LimitsInit>
  /** the clock (tests) */
  now?: () => number
}

export interface ShardService {
  /** the protocol id of each operation */
  readonly protocols: Readonly<Record<ShardOp, string>>
  /** the limiter guarding this service (shareable with the info service) */
  readonly limiter: PeerLimiter
  /** Ask `peer` to keep a shard for the signer (the owner), with a lease (version 2) or the holder's legacy one. */
  store: (peer: PeerId, id: ShardId, bytes: Uint8Array, signer: Signer, options?: AbortOptions & StoreLease) => Promise<void>
  /**
   * Ask `peer` to keep several shards for the signer in one request, under
   * a store grant (signed once per holder every few minutes). Per shard:
   * undefined when kept, else the typed error the holder answered for it.
   */
  storeMany: (peer: PeerId, shards: ReadonlyArray<{ id: ShardId, bytes: Uint8Array } & StoreLease>, signer: Signer, options?: AbortOptions) => Promise<Array<DataMeshError | undefined>>
  /** Whether `count` shards of `bytes` in total fit in one storeMany request. */
  fitsOneRequest: (count: number, bytes: number) => boolean
  /** A shard's verified bytes from `peer`. */
  fetch: (peer: PeerId, id: ShardId, options?: AbortOptions) => Promise<Uint8Array>
  /** Which of up to 256 shards `peer` holds, in order. */
  has: (peer: PeerId, ids: readonly ShardId[], options?: AbortOptions) => Promise<boolean[]>
  /** Ask `peer` to delete a shard stored for the signer. */
  delete: (peer: PeerId, id: ShardId, signer: Signer, options?: AbortOptions) => Promise<void>
  /** Ask `peer` to extend the leases of up to 256 shards it keeps for the signer to `until`; per id, whether it now lasts that long. */
  renew: (peer: PeerId, ids: readonly ShardId[], until: number, signer: Signer, options?: AbortOptions) => Promise<boolean[]>
  /** What `peer` is and how much room it has (/datamesh/info/1.0.0). */
  info: (peer: PeerId, options?: AbortOptions) => Promise<NodeInfo>
}

export interface ShardComponents extends ProtocolComponents {
  peerId: PeerId
}

export class DataMeshShards implements ShardService, Startable {
  readonly protocols = SHARD_PROTOCOLS
  readonly limiter: PeerLimiter
  readonly [Symbol.toStringTag] = '@datamesh/shard'
  readonly [serviceCapabilities]: string[] = ['@datamesh/shard']
  readonly #components: ShardComponents
  readonly #init: ShardProtocolInit
  readonly #log: Logger
  readonly #client: ShardClientContext
  readonly #ownerLocks = new KeyedLock()
  readonly #verifiedGrants = new VerifiedGrants()
  readonly #admission: OwnerAdmission
  readonly #grants: GrantBook
  readonly #maxFrameBytes: number
  readonly #timeout: number
  readonly #now: () => number
  #started = false

  constructor (components: ShardComponents, init: ShardProtocolInit = {}) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('datamesh:net:shard')
    this.limiter = init.limiter ?? new PeerLimiter(init.limits)
    this.#timeout = init.timeout ?? DEFAULT_TIMEOUT
    this.#now = init.now ?? Date.now
    const maxShardSize = init.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE
    this.#maxFrameBytes = maxShardSize + FRAME_HEADER_ALLOWANCE
    this.#client = {
      connectionManager: components.connectionManager,
      timeout: this.#timeout,
      maxShardSize,
      maxFrameBytes: this.#maxFrameBytes,
      now: this.#now
    }
    this.#grants = new GrantBook(components.peerId, this.#now)
    this.#admission = new OwnerAdmission(init.admission, this.#now)
  }

  async start (): Promise<void> {
    if (this.#init.store !== undefined) {
      for (const op of SHARD_OPS) {
        await handleProtocol(this.#components.registrar, SHARD_PROTOCOLS[op], async (stream, connection) => { await this.#serve(op, stream, connection) })
      }
    }
    this.#started = true
  }

  async stop (): Promise<void> {
    if (this.#init.store !== undefined) {
      for (const op of SHARD_OPS) await this.#components.registrar.unhandle(SHARD_PROTOCOLS[op])
    }
    this.#started = false
  }

  isStarted (): boolean {
    return this.#started
  }

  async #serve (op: ShardOp, stream: Stream, connection: Connection): Promise<void> {
    await serveStream(stream, connection, {
      limiter: this.limiter,
      maxRequestBytes: shardLimits(op, this.#client.maxShardSize).request.maxBytes,
      timeout: this.#timeout,
      log: this.#log,
      handle: async (frame, context) => await this.#handle(op, frame, context, connection),
      drop: peer => { this.#drop(peer) }
    })
  }

  async #handle (op: ShardOp, frame: Uint8Array, { peer, signal }: RequestContext, connection: Connection): Promise<Uint8Array> {
    const store = this.#init.store
    if (store === undefined) throw new Error('no store') // unreachable: the handlers are registered only with a store
    const request = decodeShardRequest(op, frame, this.#client.maxShardSize)
    const context: HandlerContext = {
      store,
      holder: this.#components.peerId.toMultihash().bytes,
      peer,
      remoteAddr: connection.remoteAddr,
      perOwnerQuota: this.#init.perOwnerQuota ?? DEFAULT_PER_OWNER_QUOTA,
      admission: this.#admission,
      maxClockSkew: this.#init.maxClockSkew ?? DEFAULT_MAX_CLOCK_SKEW,
      now: this.#now,
      ownerLocks: this.#ownerLocks,
      grants: this.#verifiedGrants,
      hooks: this.#init,
      signal
    }
    this.#log.trace('%s from %p', request.op, peer)
    switch (request.op) {
      case 'store': return await handleStore(request, context)
      case 'fetch': return await handleFetch(request, context)
      case 'has': return await handleHas(request, context)
      case 'delete': return await handleDelete(request, context)
      case 'store-many': return await handleStoreMany(request, context)
      case 'renew': return await handleRenew(request, context)
    }
  }

  async store (peer: PeerId, id: ShardId, bytes: Uint8Array, signer: Signer, options?: AbortOptions & StoreLease): Promise<void> {
    await storeShard(this.#client, peer, id, bytes, signer, options)
  }

  async storeMany (peer: PeerId, shards: ReadonlyArray<{ id: ShardId, bytes: Uint8Array } & StoreLease>, signer: Signer, options?: AbortOptions): Promise<Array<DataMeshError | undefined>> {
    const grant = await this.#grants.grant(signer, peer)
    return await storeShards(this.#client, peer, shards, grant, options)
  }

  fitsOneRequest (count: number, bytes: number): boolean {
    return fitsOneBatch(this.#client, count, bytes)
  }

  async fetch (peer: PeerId, id: ShardId, options?: AbortOptions): Promise<Uint8Array> {
    return await fetchShard(this.#client, peer, id, options)
  }

  async has (peer: PeerId, ids: readonly ShardId[], options?: AbortOptions): Promise<boolean[]> {
    return await hasShards(this.#client, peer, ids, options)
  }

  async delete (peer: PeerId, id: ShardId, signer: Signer, options?: AbortOptions): Promise<void> {
    await deleteShard(this.#client, peer, id, signer, options)
  }

  async renew (peer: PeerId, ids: readonly ShardId[], until: number, signer: Signer, options?: AbortOptions): Promise<boolean[]> {
    return await renewShards(this.#client, peer, ids, until, signer, options)
  }

  async info (peer: PeerId, options?: AbortOptions): Promise<NodeInfo> {
    return await requestInfo(this.#components.connectionManager, peer, this.#timeout, options)
  }

  #drop (peer: PeerId): void {
    this.#components.connectionManager.closeConnections(peer).catch(err => {
      this.#log.error('closing connections to %p failed - %e', peer, err)
    })
  }
}
