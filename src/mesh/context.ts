/**
 * What every command receives: the node's services, this node's store, the
 * owner's keys, settings, the index, the peer directory, the reputation book
 * and the event bus.
 */
import type { Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidParametersError } from '../core/errors.ts'
import type { Signer } from '../core/signature.ts'
import type { InfoService } from '../net/info/index.ts'
import { ownerId } from '../net/shard/index.ts'
import type { ShardService } from '../net/shard/index.ts'
import type { ShardStore } from '../store/types.ts'
import { AnnounceQueue, withdrawer } from '../net/announce-queue.ts'
import { StoreBatcher } from './batcher.ts'
import { resolveConfig, STORE_BATCH_BYTES, STORE_REQUESTS_PER_PEER } from './config.ts'
import { TypedEvents } from './events.ts'
import { FileIndex, MemoryIndexStorage } from './index-store.ts'
import { PeerDirectory, type Rng } from './peers.ts'
import { ReputationBook } from '../net/reputation.ts'
import type { MeshConfig, MeshEvents, MeshInit, MeshKeys, MeshLibp2p, MeshOptions, MeshProgressEvent } from './types.ts'

/** The kad-dht methods the index pointer uses (events as kad-dht yields them). */
export interface DhtSlice {
  put: (key: Uint8Array, value: Uint8Array, options?: { signal?: AbortSignal }) => AsyncIterable<{ name: string, messageName?: string }>
  get: (key: Uint8Array, options?: { signal?: AbortSignal }) => AsyncIterable<{ name: string, value?: Uint8Array }>
}

export interface PingSlice {
  ping: (peer: import('@libp2p/interface').PeerId, options?: { signal?: AbortSignal }) => Promise<number>
}

export interface MeshContext {
  libp2p: MeshLibp2p
  shard: ShardService
  info: InfoService
  dht?: DhtSlice
  ping?: PingSlice
  /** this node's peer id */
  self: string
  store?: ShardStore
  keys: MeshKeys
  /** the owner's key for one holder (a peer id string): what stores, grants and deletes to it are signed with */
  holderSigner: (peer: string) => Signer
  /** the owner label this node's own store accounts the owner's shards under */
  owner: string
  config: MeshConfig
  index: FileIndex
  peers: PeerDirectory
  /** this node's reputation book: what placement ranks by and the mesh's observations go to */
  reputation: ReputationBook
  /** placement's random numbers */
  rng: Rng
  /** the clock leases are counted from */
  now: () => number
  /** stores to one peer, gathered into store-many requests */
  batcher: StoreBatcher
  /** DHT announcements of what this node's own store newly keeps */
  announcements: AnnounceQueue
  /** take back this node's announcement of a shard its store no longer keeps (../net/announce-queue.ts withdrawer) */
  withdraw: (id: string | import('multiformats/cid').CID) => Promise<void>
  events: TypedEvents<MeshEvents>
  log: Logger
}

function service<T> (services: Record<string, unknown>, name: string, method: string): T | undefined {
  const s = services[name] as Record<string, unknown> | undefined
  return s !== undefined && typeof s[method] === 'function' ? s as T : undefined
}

export function createContext (init: MeshInit): MeshContext {
  const { libp2p, store, keys } = init
  const shard = service<ShardService>(libp2p.services, 'shard', 'store')
  const info = service<InfoService>(libp2p.services, 'info', 'localInfo')
  if (shard === undefined || info === undefined) throw new InvalidParametersError('The libp2p node needs the DataMesh services (services.shard and services.info)')
  if (keys?.signer?.publicKey?.byteLength !== 32 || typeof keys.signer.forHolder !== 'function' || keys.x25519Public?.byteLength !== 32 || typeof keys.open !== 'function') {
    throw new InvalidParametersError('keys needs { signer (Ed25519, with forHolder), x25519Public (32 bytes), open(envelope) }')
  }
  const config = resolveConfig(init.config)
  const events = new TypedEvents<MeshEvents>()
  const dht = service<DhtSlice>(libp2p.services, 'dht', 'put')
  const ping = service<PingSlice>(libp2p.services, 'ping', 'ping')
  const log = libp2p.logger.forComponent('datamesh:mesh')
  const index: FileIndex = new FileIndex(init.index ?? new MemoryIndexStorage(), {
    onRollBack: () => { events.dispatch('index:changed', { op: 'rollback', entries: index.size }) }
  })
  const holderSigner = holderSigners(keys)
  const reputation = init.reputation ?? new ReputationBook({ self: libp2p.peerId.toString() })
  const batcher = new StoreBatcher(async (peer, items) => await shard.storeMany(peerIdFromString(peer), items.map(i => ({ id: i.id, bytes: i.bytes, ...i.lease })), holderSigner(peer), { signal: AbortSignal.timeout(config.requestTimeout) }), {
    inFlight: STORE_REQUESTS_PER_PEER,
    maxShards: config.storeBatch,
    maxBytes: STORE_BATCH_BYTES
  })
  const announcements = new AnnounceQueue({ log })
  return {
    libp2p,
    shard,
    info,
    ...(dht !== undefined ? { dht } : {}),
    ...(ping !== undefined ? { ping } : {}),
    self: libp2p.peerId.toString(),
    ...(store !== undefined ? { store } : {}),
    keys,
    holderSigner,
    owner: ownerId(keys.signer.publicKey),
    config,
    index,
    peers: new PeerDirectory({ libp2p, info, ...(store !== undefined ? { store } : {}), events, infoTtl: config.infoTtl, requestTimeout: config.requestTimeout, reputation }),
    reputation,
    rng: init.rng ?? Math.random,
    now: init.now ?? Date.now,
    batcher,
    announcements,
    withdraw: withdrawer(libp2p, announcements, init.datastore, log),
    events,
    log
  }
}

/** holders whose derived signer is kept (deriving one costs an Ed25519 key generation) */
const HOLDER_SIGNERS_KEPT = 1024

/** The owner's signer for each holder, derived once and kept (the least recently used go first past the limit). */
function holderSigners (keys: MeshKeys): (peer: string) => Signer {
  const kept = new Map<string, Signer>()
  return (peer) => {
    let signer = kept.get(peer)
    if (signer !== undefined) {
      kept.delete(peer)
    } else {
      signer = keys.signer.forHolder(peerIdFromString(peer).toMultihash().bytes)
      if (kept.size >= HOLDER_SIGNERS_KEPT) kept.delete(kept.keys().next().value as string)
    }
    kept.set(peer, signer)
    return signer
  }
}

/** Tell the caller (onProgress) and the event bus about progress. */
export function report (ctx: MeshContext, options: MeshOptions, channel: 'put:progress' | 'get:progress', event: MeshProgressEvent): void {
  try { options.onProgress?.(event) } catch { /* a progress callback must not break the operation */ }
  ctx.events.dispatch(channel, event)
}
