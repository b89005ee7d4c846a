/**
 * The client side of /datamesh/shard/1.0.0: one function per operation.
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
import { MAX_HAS_IDS, SHARD_PROTOCOL } from '../protocol/constants.ts'
import { sendRequest } from '../protocol/exchange.ts'
import {
  decodeEmptyResponse, decodeFetchResponse, decodeHasResponse, deletePreimage, encodeShardRequest, storePreimage, type ShardRequest
} from '../protocol/shard-messages.ts'

export interface ShardClientContext {
  connectionManager: ConnectionManagerSlice
  /** ms for one whole exchange */
  timeout: number
  maxShardSize: number
  /** cap of a frame body: maxShardSize + header allowance */
  maxFrameBytes: number
  now: () => number
}

export type ShardId = string | Uint8Array | CID

async function exchange (context: ShardClientContext, peer: PeerId, request: ShardRequest, options: AbortOptions): Promise<Uint8Array> {
  const sendOptions = { timeout: context.timeout, maxResponseBytes: context.maxFrameBytes, ...(options.signal !== undefined ? { signal: options.signal } : {}) }
  return await sendRequest(context.connectionManager, peer, SHARD_PROTOCOL, encodeShardRequest(request), sendOptions)
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
  decodeEmptyResponse(answer, context.maxFrameBytes, 'store')
}

export async function fetchShard (context: ShardClientContext, peer: PeerId, id: ShardId, options: AbortOptions = {}): Promise<Uint8Array> {
  const cid = parseShardCid(id)
  const answer = await exchange(context, peer, { op: 'fetch', id: cid }, options)
  const data = decodeFetchResponse(answer, context.maxFrameBytes, context.maxShardSize)
  if (!matchesCid(cid, data)) {
    throw new CorruptShardError('The holder sent bytes that do not match the shard id', { id: cid.toString(), peer: peer.toString() })
  }
  return data
}

export async function hasShards (context: ShardClientContext, peer: PeerId, ids: readonly ShardId[], options: AbortOptions = {}): Promise<boolean[]> {
  if (ids.length > MAX_HAS_IDS) throw new InvalidParametersError(`Ask about at most ${MAX_HAS_IDS} shards at once`, { count: ids.length })
  const cids = ids.map(id => parseShardCid(id))
  const answer = await exchange(context, peer, { op: 'has', ids: cids }, options)
  return decodeHasResponse(answer, context.maxFrameBytes, cids.length)
}

export async function deleteShard (context: ShardClientContext, peer: PeerId, id: ShardId, signer: Signer, options: AbortOptions = {}): Promise<void> {
  const cid = parseShardCid(id)
  const ts = context.now()
  const sig = await signer.sign(deletePreimage(cid, peer.toMultihash().bytes, ts))
  const answer = await exchange(context, peer, { op: 'delete', id: cid, owner: signer.publicKey, ts, sig }, options)
  decodeEmptyResponse(answer, context.maxFrameBytes, 'delete')
}
