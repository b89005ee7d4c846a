/**
 * The client side of /datamesh/shard/{op}/1.0.0: one function per operation,
 * each on its operation's protocol id, each answer read under that
 * operation's caps (a holder answering a fetch cannot send more than a
 * shard and a small envelope, nor a structure that costs more to decode).
 * Failures the holder answers are thrown as the same typed errors; a fetched
 * shard is hashed here too (CorruptShardError when it does not match its id).
 */
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { CorruptShardError, InvalidParametersError, UnsupportedVersionError } from '../../core/errors.ts'
import { matchesCid, parseShardCid } from '../../core/hash.ts'
import type { Signer } from '../../core/signature.ts'
import type { AbortOptions } from '../../store/types.ts'
import type { ConnectionManagerSlice } from '../protocol/components.ts'
import type { DataMeshError } from '../../core/errors.ts'
import { BATCH_ITEM_ALLOWANCE, MAX_BATCH_SHARDS, MAX_HAS_IDS, MAX_RENEW_IDS, SHARD_PROTOCOLS } from '../protocol/constants.ts'
import { sendRequest } from '../protocol/exchange.ts'
import {
  decodeEmptyResponse, decodeFetchResponse, decodeHasResponse, decodeRenewResponse, decodeStoreManyResponse, deletePreimage, encodeShardRequest, renewPreimage,
  shardLimits, signedStorePreimage, type ShardLease, type ShardRequest
} from '../protocol/shard-messages.ts'
import type { Grant } from './grants.ts'

export interface ShardClientContext {
  connectionManager: ConnectionManagerSlice
  /** ms for one whole exchange */
  timeout: number
  maxShardSize: number
  /** cap of a store or store-many request: maxShardSize + header allowance */
  maxFrameBytes: number
  now: () => number
}

export type ShardId = string | Uint8Array | CID

/** A store's lease: when the holder may stop keeping the shard (ms since the epoch), and a key that may renew it besides the owner. */
export interface StoreLease {
  lease?: number
  renewer?: Uint8Array
}

function checkLease ({ lease, renewer }: StoreLease): Partial<ShardLease> {
  if (lease === undefined) {
    if (renewer !== undefined) throw new InvalidParametersError('A renewer goes with a lease')
    return {}
  }
  if (!Number.isSafeInteger(lease) || lease < 0) throw new InvalidParametersError('lease must be a time in ms since the Unix epoch', { lease })
  if (renewer === undefined) return { lease }
  if (!(renewer instanceof Uint8Array) || renewer.byteLength !== 32) throw new InvalidParametersError('renewer must be a 32-byte Ed25519 public key')
  return { lease, renewer }
}

/**
 * A holder of an earlier build refuses requests of version 2
 * (UnsupportedVersionError): the same store goes again as version 1, and
 * that holder keeps the shard with its legacy lease.
 */
async function withLegacyFallback<T> (leased: boolean, send: (leased: boolean) => Promise<T>): Promise<T> {
  try {
    return await send(leased)
  } catch (err) {
    if (!leased || !(err instanceof UnsupportedVersionError)) throw err
    return await send(false)
  }
}

async function exchange (context: ShardClientContext, peer: PeerId, request: ShardRequest, options: AbortOptions): Promise<Uint8Array> {
  const maxResponseBytes = shardLimits(request.op, context.maxShardSize).response.maxBytes
  const sendOptions = { timeout: context.timeout, maxResponseBytes, ...(options.signal !== undefined ? { signal: options.signal } : {}) }
  return await sendRequest(context.connectionManager, peer, SHARD_PROTOCOLS[request.op], encodeShardRequest(request), sendOptions)
}

export async function storeShard (context: ShardClientContext, peer: PeerId, id: ShardId, data: Uint8Array, signer: Signer, options: AbortOptions & StoreLease = {}): Promise<void> {
  const cid = parseShardCid(id)
  if (!(data instanceof Uint8Array)) throw new TypeError('shard data must be a Uint8Array')
  if (data.byteLength > context.maxShardSize) {
    throw new InvalidParametersError(`A shard is at most ${context.maxShardSize} bytes`, { size: data.byteLength, maxShardSize: context.maxShardSize })
  }
  const lease = checkLease(options)
  await withLegacyFallback(lease.lease !== undefined, async leased => {
    const request = { id: cid, owner: signer.publicKey, ts: context.now(), ...(leased ? lease : {}) }
    const sig = await signer.sign(signedStorePreimage(request, peer.toMultihash().bytes))
    decodeEmptyResponse('store', await exchange(context, peer, { op: 'store', data, sig, ...request }, options))
  })
}

/** Room the fields of a store-many frame other than its shards take (keys, owner, expiry, signature). */
const BATCH_HEADER_ALLOWANCE = 256

/** Whether `shards` fit in one store-many request: count, and bytes within a frame. */
export function fitsOneBatch (context: Pick<ShardClientContext, 'maxFrameBytes'>, count: number, bytes: number): boolean {
  return count >= 1 && count <= MAX_BATCH_SHARDS && bytes + count * BATCH_ITEM_ALLOWANCE + BATCH_HEADER_ALLOWANCE <= context.maxFrameBytes
}

/**
 * Several shards in one request under `grant`; per shard, undefined when
 * kept, else the holder's typed error. Shards with a lease go as version 2
 * (then a shard without one gets `now + legacy` from the holder: give all a lease).
 */
export async function storeShards (context: ShardClientContext, peer: PeerId, shards: ReadonlyArray<{ id: ShardId, bytes: Uint8Array } & StoreLease>, grant: Grant, options: AbortOptions = {}): Promise<Array<DataMeshError | undefined>> {
  let bytes = 0
  const parsed = shards.map(({ id, bytes: data, ...lease }) => {
    if (!(data instanceof Uint8Array)) throw new TypeError('shard data must be a Uint8Array')
    if (data.byteLength > context.maxShardSize) {
      throw new InvalidParametersError(`A shard is at most ${context.maxShardSize} bytes`, { size: data.byteLength, maxShardSize: context.maxShardSize })
    }
    bytes += data.byteLength
    return { id: parseShardCid(id), data, ...checkLease(lease) }
  })
  if (!fitsOneBatch(context, parsed.length, bytes)) {
    throw new InvalidParametersError(`One request carries 1 to ${MAX_BATCH_SHARDS} shards within ${context.maxFrameBytes} bytes`, { count: parsed.length, bytes })
  }
  const leased = parsed.some(s => s.lease !== undefined)
  if (leased && !parsed.every(s => s.lease !== undefined)) throw new InvalidParametersError('Give every shard of one request a lease, or none')
  return await withLegacyFallback(leased, async withLeases => {
    const sent = withLeases ? parsed : parsed.map(({ id, data }) => ({ id, data }))
    const answer = await exchange(context, peer, { op: 'store-many', shards: sent, owner: grant.owner, exp: grant.exp, sig: grant.sig }, options)
    return decodeStoreManyResponse(answer, parsed.length)
  })
}

export async function fetchShard (context: ShardClientContext, peer: PeerId, id: ShardId, options: AbortOptions = {}): Promise<Uint8Array> {
  const cid = parseShardCid(id)
  const answer = await exchange(context, peer, { op: 'fetch', id: cid }, options)
  const data = decodeFetchResponse(answer, context.maxShardSize)
  if (!matchesCid(cid, data)) {
    throw new CorruptShardError('The holder sent bytes that do not match the shard id', { id: cid.toString(), peer: peer.toString() })
  }
  return data
}

export async function hasShards (context: ShardClientContext, peer: PeerId, ids: readonly ShardId[], options: AbortOptions = {}): Promise<boolean[]> {
  if (ids.length > MAX_HAS_IDS) throw new InvalidParametersError(`Ask about at most ${MAX_HAS_IDS} shards at once`, { count: ids.length })
  const cids = ids.map(id => parseShardCid(id))
  const answer = await exchange(context, peer, { op: 'has', ids: cids }, options)
  return decodeHasResponse(answer, cids.length)
}

export async function deleteShard (context: ShardClientContext, peer: PeerId, id: ShardId, signer: Signer, options: AbortOptions = {}): Promise<void> {
  const cid = parseShardCid(id)
  const ts = context.now()
  const sig = await signer.sign(deletePreimage(cid, peer.toMultihash().bytes, ts))
  const answer = await exchange(context, peer, { op: 'delete', id: cid, owner: signer.publicKey, ts, sig }, options)
  decodeEmptyResponse('delete', answer)
}

/**
 * Ask `peer` to extend the leases of `ids` (1 to 256) it keeps for the
 * signer (the owner's key for that holder, or the renewer key) to `until`.
 * Per id: whether its lease there now lasts until then (as the holder caps it).
 */
export async function renewShards (context: ShardClientContext, peer: PeerId, ids: readonly ShardId[], until: number, signer: Signer, options: AbortOptions = {}): Promise<boolean[]> {
  if (ids.length === 0 || ids.length > MAX_RENEW_IDS) throw new InvalidParametersError(`Renew 1 to ${MAX_RENEW_IDS} shards at once`, { count: ids.length })
  if (!Number.isSafeInteger(until) || until < 0) throw new InvalidParametersError('until must be a time in ms since the Unix epoch', { until })
  const cids = ids.map(id => parseShardCid(id))
  const ts = context.now()
  const sig = await signer.sign(renewPreimage(cids, signer.publicKey, peer.toMultihash().bytes, until, ts))
  const answer = await exchange(context, peer, { op: 'renew', ids: cids, until, owner: signer.publicKey, ts, sig }, options)
  return decodeRenewResponse(answer, cids.length)
}
