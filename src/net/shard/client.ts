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
import { CorruptShardError, InvalidParametersError } from '../../core/errors.ts'
import { matchesCid, parseShardCid } from '../../core/hash.ts'
import type { Signer } from '../../core/signature.ts'
import type { AbortOptions } from '../../store/types.ts'
import type { ConnectionManagerSlice } from '../protocol/components.ts'
import type { DataMeshError } from '../../core/errors.ts'
import { BATCH_ITEM_ALLOWANCE, MAX_BATCH_SHARDS, MAX_HAS_IDS, SHARD_PROTOCOLS } from '../protocol/constants.ts'
import { sendRequest } from '../protocol/exchange.ts'
import {
  decodeEmptyResponse, decodeFetchResponse, decodeHasResponse, decodeStoreManyResponse, deletePreimage, encodeShardRequest, shardLimits, storePreimage,
  type ShardRequest
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

async function exchange (context: ShardClientContext, peer: PeerId, request: ShardRequest, options: AbortOptions): Promise<Uint8Array> {
  const maxResponseBytes = shardLimits(request.op, context.maxShardSize).response.maxBytes
  const sendOptions = { timeout: context.timeout, maxResponseBytes, ...(options.signal !== undefined ? { signal: options.signal } : {}) }
  return await sendRequest(context.connectionManager, peer, SHARD_PROTOCOLS[request.op], encodeShardRequest(request), sendOptions)
}

export async function storeShard (context: ShardClientContext, peer: PeerId, id: ShardId, data: Uint8Array, signer: Signer, options: AbortOptions = {}): Promise<void> {
  const cid = parseShardCid(id)
  if (!(data instanceof Uint8Array)) throw new TypeError('shard data must be a Uint8Array')
  if (data.byteLength > context.maxShardSize) {
    throw new InvalidParametersError(`A shard is at most ${context.maxShardSize} bytes`, { size: data.byteLength, maxShardSize: context.maxShardSize })
  }
  const owner = signer.publicKey
  const ts = context.now()
  const sig = await signer.sign(storePreimage(cid, owner, peer.toMultihash().bytes, ts))
  const answer = await exchange(context, peer, { op: 'store', id: cid, data, owner, ts, sig }, options)
  decodeEmptyResponse('store', answer)
}

/** Room the fields of a store-many frame other than its shards take (keys, owner, expiry, signature). */
const BATCH_HEADER_ALLOWANCE = 256

/** Whether `shards` fit in one store-many request: count, and bytes within a frame. */
export function fitsOneBatch (context: Pick<ShardClientContext, 'maxFrameBytes'>, count: number, bytes: number): boolean {
  return count >= 1 && count <= MAX_BATCH_SHARDS && bytes + count * BATCH_ITEM_ALLOWANCE + BATCH_HEADER_ALLOWANCE <= context.maxFrameBytes
}

/** Several shards in one request under `grant`; per shard, undefined when kept, else the holder's typed error. */
export async function storeShards (context: ShardClientContext, peer: PeerId, shards: ReadonlyArray<{ id: ShardId, bytes: Uint8Array }>, grant: Grant, options: AbortOptions = {}): Promise<Array<DataMeshError | undefined>> {
  let bytes = 0
  const parsed = shards.map(({ id, bytes: data }) => {
    if (!(data instanceof Uint8Array)) throw new TypeError('shard data must be a Uint8Array')
    if (data.byteLength > context.maxShardSize) {
      throw new InvalidParametersError(`A shard is at most ${context.maxShardSize} bytes`, { size: data.byteLength, maxShardSize: context.maxShardSize })
    }
    bytes += data.byteLength
    return { id: parseShardCid(id), data }
  })
  if (!fitsOneBatch(context, parsed.length, bytes)) {
    throw new InvalidParametersError(`One request carries 1 to ${MAX_BATCH_SHARDS} shards within ${context.maxFrameBytes} bytes`, { count: parsed.length, bytes })
  }
  const answer = await exchange(context, peer, { op: 'store-many', shards: parsed, owner: grant.owner, exp: grant.exp, sig: grant.sig }, options)
  return decodeStoreManyResponse(answer, parsed.length)
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
